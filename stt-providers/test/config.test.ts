import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDialerError, loadConfig } from '@dialer/core';
import { sttSection } from '@dialer/stt-providers';

test('no chain, no keys needed; every adapter setting has a default', () => {
  const cfg = loadConfig([sttSection], { env: {}, argv: [] });
  assert.deepEqual(cfg.stt.providers, []);
  assert.equal(cfg.stt.deepgramUrl, 'wss://api.deepgram.com');
  assert.equal(cfg.stt.assemblyaiUrl, 'wss://streaming.assemblyai.com/v3/ws');
  assert.equal(cfg.stt.openaiUrl, 'https://api.openai.com/v1');
  assert.equal(cfg.stt.openaiBatchUrl, undefined);
  assert.equal(cfg.stt.stallTimeoutMs, 5000);
  assert.equal(cfg.stt.interim, true);
});

test('a key is required only for the providers the chain selects', () => {
  assert.throws(
    () => loadConfig([sttSection], { env: { STT_PROVIDERS: 'deepgram,assemblyai' }, argv: [] }),
    (err: unknown) =>
      isDialerError(err, 'DIALER_ERR_CONFIG_INVALID') &&
      /DEEPGRAM_API_KEY: is required because STT_PROVIDERS lists deepgram/.test(err.message) &&
      /ASSEMBLYAI_API_KEY/.test(err.message) &&
      !/OPENAI/.test(err.message),
  );
  const ok = loadConfig([sttSection], { env: { STT_PROVIDERS: 'deepgram, fake', DEEPGRAM_API_KEY: 'k' }, argv: [] });
  assert.deepEqual(ok.stt.providers, ['deepgram', 'fake']);
});

test('openai-batch needs a key against api.openai.com, not against a self-hosted server', () => {
  assert.throws(
    () => loadConfig([sttSection], { env: { STT_PROVIDERS: 'openai-batch' }, argv: [] }),
    (err: unknown) => isDialerError(err) && /OPENAI_API_KEY: is required because STT_PROVIDERS lists openai-batch against api.openai.com/.test(err.message),
  );
  const cfg = loadConfig([sttSection], { env: { STT_PROVIDERS: 'openai-batch', OPENAI_BATCH_URL: 'http://whisper.internal:8000/v1' }, argv: [] });
  assert.equal(cfg.stt.openaiBatchUrl, 'http://whisper.internal:8000/v1');
});

test('keys may come from files (<NAME>_FILE); bad values are reported together', () => {
  const cfg = loadConfig([sttSection], {
    env: { STT_PROVIDERS: 'assemblyai', ASSEMBLYAI_API_KEY_FILE: '/run/credentials/aai' },
    argv: [],
    readFile: (p) => (p === '/run/credentials/aai' ? 'aai-secret\n' : ''),
  });
  assert.equal(cfg.stt.assemblyaiApiKey, 'aai-secret');
  assert.throws(
    () => loadConfig([sttSection], { env: { STT_PROVIDERS: 'deepgramm', ASSEMBLYAI_CHUNK_MS: '20', ASSEMBLYAI_URL: 'ws://x', OPENAI_REALTIME_VAD: 'semantic' }, argv: [] }),
    (err: unknown) =>
      isDialerError(err) && /STT_PROVIDERS/.test(err.message) && /ASSEMBLYAI_CHUNK_MS/.test(err.message) && /ASSEMBLYAI_URL/.test(err.message) && /OPENAI_REALTIME_VAD/.test(err.message),
  );
});
