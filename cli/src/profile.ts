import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CliError, EXIT } from './exit.js';
import type { Io } from './io.js';

/** What `dialerctl login` stores for one installation. */
export interface Profile {
  /** The API these credentials belong to; they are never sent anywhere else. */
  url: string;
  /** An API key (`dk_...`), stored by `login --api-key`. */
  apiKey?: string;
  accessToken?: string;
  /** Milliseconds since the epoch. */
  accessTokenExpiresAt?: number;
  refreshToken?: string;
  refreshTokenExpiresAt?: number;
  /** Who logged in, for `whoami` without a round trip. */
  user?: { id?: string; email?: string; role?: string; tenantId?: string };
}

/** The config file: named profiles and the one in use. */
export interface ConfigFile {
  version: 1;
  current: string;
  profiles: Record<string, Profile>;
}

const EMPTY: ConfigFile = { version: 1, current: 'default', profiles: {} };

/** Where the config file lives: DIALERCTL_CONFIG, else `$XDG_CONFIG_HOME/dialerctl/config.json`, else `~/.config/dialerctl/config.json`. */
export function configPath(io: Pick<Io, 'env' | 'homeDir'>): string {
  const explicit = io.env['DIALERCTL_CONFIG'];
  if (explicit) return explicit;
  const xdg = io.env['XDG_CONFIG_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(io.homeDir, '.config'), 'dialerctl', 'config.json');
}

/** Reads the config file; a missing file is an empty one, a corrupt one is an error that says where. */
export function readConfigFile(path: string, warn?: (line: string) => void): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, EXIT.error);
  }
  try {
    if (warn && (statSync(path).mode & 0o077) !== 0) warn(`warning: ${path} is readable by other users; run: chmod 600 ${path}`);
  } catch {
    // The stat is advisory only.
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path} is not valid JSON (${(err as Error).message}); fix it or delete it and log in again`, EXIT.error);
  }
  const c = parsed as Partial<ConfigFile> | null;
  if (!c || typeof c !== 'object' || typeof c.profiles !== 'object' || c.profiles === null) {
    throw new CliError(`${path} is not a dialerctl config file (no "profiles"); delete it and log in again`, EXIT.error);
  }
  return { version: 1, current: typeof c.current === 'string' ? c.current : 'default', profiles: c.profiles };
}

/**
 * Writes the config file readable by its owner only (0600, in a 0700
 * directory), through a temporary file and a rename so a crash never leaves
 * half a file.
 */
export function writeConfigFile(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Reads, changes and writes back one profile. */
export function updateProfile(path: string, name: string, change: (p: Profile | undefined) => Profile | undefined): ConfigFile {
  const config = readConfigFile(path);
  const next = change(config.profiles[name]);
  if (next) config.profiles[name] = next;
  else delete config.profiles[name];
  writeConfigFile(path, config);
  return config;
}

/** Normalises a base URL so stored credentials match however the user types it. */
export function normaliseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CliError(`--url ${JSON.stringify(url)} is not a URL (e.g. http://127.0.0.1:8080)`, EXIT.usage);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CliError(`--url must be http:// or https:// (got ${u.protocol})`, EXIT.usage);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}
