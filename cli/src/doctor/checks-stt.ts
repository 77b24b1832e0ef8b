import type { DoctorSettings } from './settings.js';
import { fail, pass, skip, warn, type CheckResult } from './types.js';

/** How to prove one provider's key: an authenticated GET that changes nothing. */
interface Probe {
  url: string;
  headers: Record<string, string>;
  keyName: string;
}

function httpBase(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'wss:') u.protocol = 'https:';
  if (u.protocol === 'ws:') u.protocol = 'http:';
  return `${u.protocol}//${u.host}`;
}

/** The probe of each provider, from the same settings the gateway reads. Exported for tests. */
export function probeFor(provider: string, s: DoctorSettings): Probe | { missing: string } | undefined {
  switch (provider) {
    case 'deepgram':
      // Deepgram's documented key test: details of the key, or 401.
      return s.keys.deepgram
        ? { url: `${httpBase(s.urls.deepgram)}/v1/auth/token`, headers: { authorization: `Token ${s.keys.deepgram}` }, keyName: 'DEEPGRAM_API_KEY' }
        : { missing: 'DEEPGRAM_API_KEY' };
    case 'assemblyai':
      // Minting a short-lived streaming token proves the key and the streaming host.
      return s.keys.assemblyai
        ? { url: `${httpBase(s.urls.assemblyai)}/v3/token?expires_in_seconds=60`, headers: { authorization: s.keys.assemblyai }, keyName: 'ASSEMBLYAI_API_KEY' }
        : { missing: 'ASSEMBLYAI_API_KEY' };
    case 'openai-realtime':
      return s.keys.openai
        ? { url: `${s.urls.openai.replace(/\/+$/, '')}/models`, headers: { authorization: `Bearer ${s.keys.openai}` }, keyName: 'OPENAI_API_KEY' }
        : { missing: 'OPENAI_API_KEY' };
    case 'openai-batch': {
      const base = (s.urls.openaiBatch ?? s.urls.openai).replace(/\/+$/, '');
      const needsKey = /(^|\.)openai\.com$/.test(new URL(base).hostname);
      if (needsKey && !s.keys.openai) return { missing: 'OPENAI_API_KEY' };
      return { url: `${base}/models`, headers: s.keys.openai ? { authorization: `Bearer ${s.keys.openai}` } : {}, keyName: 'OPENAI_API_KEY' };
    }
    default:
      return undefined;
  }
}

/** Each provider of STT_PROVIDERS: reachable over HTTPS, and its key accepted. */
export async function sttChecks(s: DoctorSettings, out: (r: CheckResult) => void, timeoutMs = 5000): Promise<void> {
  if (s.sttProviders.length === 0) {
    out(skip('stt', 'STT_PROVIDERS is empty: no default transcription (campaigns may still set a chain)'));
    return;
  }
  for (const provider of s.sttProviders) {
    const id = `stt.${provider}`;
    if (provider === 'fake') {
      out(warn(id, 'the fake provider returns scripted text, not transcripts', 'use it only in tests; list a real provider in STT_PROVIDERS'));
      continue;
    }
    let probe: ReturnType<typeof probeFor>;
    try {
      probe = probeFor(provider, s);
    } catch (err) {
      out(fail(id, `bad provider URL: ${(err as Error).message}`, 'fix the provider URL setting'));
      continue;
    }
    if (!probe) {
      out(fail(id, `unknown provider ${JSON.stringify(provider)} in STT_PROVIDERS`, 'use deepgram, assemblyai, openai-realtime, openai-batch or fake'));
      continue;
    }
    if ('missing' in probe) {
      out(fail(id, `${probe.missing} is not set`, `set ${probe.missing} (or ${probe.missing}_FILE) in the media gateway's environment`));
      continue;
    }
    const host = new URL(probe.url).host;
    let res: Response;
    try {
      res = await fetch(probe.url, { headers: probe.headers, signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
      const why = e.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
      out(fail(id, `cannot reach ${host}: ${why}`, `allow outbound HTTPS (TCP 443) from the gateways to ${host}, and check DNS and any proxy (HTTPS_PROXY)`));
      continue;
    }
    if (res.status === 401 || res.status === 403) {
      out(fail(id, `${host} rejected ${probe.keyName} (HTTP ${res.status})`, `create a new key in the ${provider} console and set ${probe.keyName}`));
    } else if (res.status === 402 || res.status === 429) {
      out(warn(id, `${host} accepted the key but answered HTTP ${res.status} (${res.status === 402 ? 'billing' : 'rate limit'})`, 'check the account\'s balance and concurrency limits'));
    } else if (res.status >= 500) {
      out(warn(id, `${host} answered HTTP ${res.status}`, 'the provider has an outage; the failover chain moves to the next provider'));
    } else if (res.status >= 200 && res.status < 300) {
      out(pass(id, `${host} reachable, ${probe.keyName ?? 'key'} accepted`));
    } else {
      out(pass(id, `${host} reachable (HTTP ${res.status})`));
    }
  }
}
