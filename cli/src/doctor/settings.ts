import { existsSync, readFileSync } from 'node:fs';
import { parseEnvFile } from '@dialer/core';

/** The environment files systemd gives the daemons (systemd/README.md), read when they exist. */
export const SYSTEM_ENV_FILES = ['/etc/dialer/dialer.env', '/etc/dialer/ari.env', '/etc/dialer/media.env'];

/**
 * The daemons' settings that `doctor` needs, read the way the daemons read
 * them: the environment first, then the environment files, with `<NAME>_FILE`
 * for secrets. Doctor does not validate them like a daemon would: it reports
 * a bad value as a failing check instead of refusing to run.
 */
export interface DoctorSettings {
  ariUrl: string;
  ariUsername: string;
  ariPassword: string | undefined;
  ariApp: string;
  /** Every Asterisk server (ARI_SERVERS, or the one of ARI_URL as `default`). */
  servers: Array<{ id: string; url: string; username: string; password: string | undefined }>;
  /** The ExternalMedia format the controller asks for (ARI_TAP_FORMAT). */
  tapFormat: string;
  rtpHost: string;
  rtpPort: number;
  advertiseHost: string | undefined;
  sttProviders: string[];
  keys: { deepgram?: string | undefined; assemblyai?: string | undefined; openai?: string | undefined };
  urls: { deepgram: string; assemblyai: string; openai: string; openaiBatch: string | undefined };
  /** Where gateways post transcript events (AI_EVENTS_URL), and the secret they sign with (the first of AI_EVENTS_SECRET). */
  aiEventsUrl: string | undefined;
  aiEventsSecret: string | undefined;
  /** Which files were read, for the report. */
  files: string[];
  /** Problems found while reading (an unreadable `_FILE`, a bad number). */
  problems: { env: string; message: string }[];
}

/** Reads the settings from `env` and `files` (later files override earlier ones; the environment wins). */
export function readDoctorSettings(env: Readonly<Record<string, string | undefined>>, files: readonly string[]): DoctorSettings {
  const fromFiles: Record<string, string> = {};
  const read: string[] = [];
  const problems: { env: string; message: string }[] = [];
  for (const f of files) {
    try {
      Object.assign(fromFiles, parseEnvFile(readFileSync(f, 'utf8')));
      read.push(f);
    } catch (err) {
      problems.push({ env: f, message: `cannot read: ${(err as Error).message}` });
    }
  }
  const raw = (name: string): string | undefined => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    const f = fromFiles[name];
    return f !== undefined && f !== '' ? f : undefined;
  };
  const secret = (name: string): string | undefined => {
    const v = raw(name);
    if (v !== undefined) return v;
    const ref = raw(`${name}_FILE`);
    if (!ref) return undefined;
    try {
      return readFileSync(ref, 'utf8').trim();
    } catch (err) {
      problems.push({ env: `${name}_FILE`, message: `cannot read ${ref}: ${(err as Error).message}` });
      return undefined;
    }
  };
  const port = Number(raw('MEDIA_RTP_PORT') ?? 40000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push({ env: 'MEDIA_RTP_PORT', message: `not a port: ${raw('MEDIA_RTP_PORT')}` });
  const providers = (raw('STT_PROVIDERS') ?? '')
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((s) => s.trim().replace(/^"|"$/g, ''))
    .filter((s) => s.length > 0);
  const ariUrl = (raw('ARI_URL') ?? 'http://127.0.0.1:8088').replace(/\/+$/, '');
  const ariUsername = raw('ARI_USERNAME') ?? 'dialer';
  const ariPassword = secret('ARI_PASSWORD');
  let servers: DoctorSettings['servers'] = [{ id: 'default', url: ariUrl, username: ariUsername, password: ariPassword }];
  const list = secret('ARI_SERVERS');
  if (list) {
    try {
      const parsed = JSON.parse(list) as Array<{ id?: unknown; url?: unknown; username?: unknown; password?: unknown }>;
      if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('expected a non-empty JSON array');
      servers = parsed.map((x, i) => {
        if (typeof x.url !== 'string' || typeof x.username !== 'string') throw new Error(`server ${i + 1} needs url and username`);
        return { id: typeof x.id === 'string' ? x.id : `server${i + 1}`, url: x.url.replace(/\/+$/, ''), username: x.username, password: typeof x.password === 'string' ? x.password : undefined };
      });
    } catch (err) {
      problems.push({ env: 'ARI_SERVERS', message: (err as Error).message });
    }
  }
  return {
    ariUrl,
    ariUsername,
    ariPassword,
    ariApp: raw('ARI_APP') ?? 'dialer',
    servers,
    tapFormat: raw('ARI_TAP_FORMAT') ?? 'ulaw',
    aiEventsUrl: raw('AI_EVENTS_URL'),
    aiEventsSecret: (secret('AI_EVENTS_SECRET') ?? '').split(/[\s,]+/).filter(Boolean)[0],
    rtpHost: raw('MEDIA_RTP_HOST') ?? '127.0.0.1',
    rtpPort: Number.isInteger(port) ? port : 40000,
    advertiseHost: raw('MEDIA_ADVERTISE_HOST'),
    sttProviders: providers,
    keys: { deepgram: secret('DEEPGRAM_API_KEY'), assemblyai: secret('ASSEMBLYAI_API_KEY'), openai: secret('OPENAI_API_KEY') },
    urls: {
      deepgram: raw('DEEPGRAM_URL') ?? 'wss://api.deepgram.com',
      assemblyai: raw('ASSEMBLYAI_URL') ?? 'wss://streaming.assemblyai.com/v3/ws',
      openai: raw('OPENAI_URL') ?? 'https://api.openai.com/v1',
      openaiBatch: raw('OPENAI_BATCH_URL'),
    },
    files: read,
    problems,
  };
}

/** The environment files to read: those given, or the system ones that exist. */
export function envFilesToRead(given: readonly string[] | undefined): string[] {
  if (given && given.length > 0) return [...given];
  return SYSTEM_ENV_FILES.filter((f) => existsSync(f));
}
