import { createReadStream, statSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import type { ApiClient, RequestOptions } from './client.js';
import { CliError, EXIT, usage } from './exit.js';
import type { Io } from './io.js';
import { formatBytes, ProgressBar } from './output/progress.js';

/** Size of a file to upload, or a usage error that names it. */
export function fileSize(path: string): number {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw usage(`${path} is not a file`);
    return st.size;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw usage(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Streams a file as a request body (never all in memory) with a progress bar
 * on stderr; `suffix` adds text after the bar (e.g. rows processed so far).
 */
export async function uploadFile<T>(
  api: ApiClient,
  io: Io,
  o: { path: string; url: string; query: RequestOptions['query']; contentType: string; label: string; suffix?: () => string; signal?: AbortSignal },
): Promise<T> {
  const size = fileSize(o.path);
  const bar = new ProgressBar(io.err, { total: size, label: o.label, format: formatBytes, now: () => io.now(), ...(o.suffix ? { suffix: o.suffix } : {}) });
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      bar.update(sent);
      done(null, chunk);
    },
  });
  const source = createReadStream(o.path);
  source.on('error', (err) => counter.destroy(err));
  const body = Readable.toWeb(source.pipe(counter)) as unknown as ReadableStream<Uint8Array>;
  try {
    const r = await api.request<T>('POST', o.url, {
      query: o.query,
      raw: body as unknown as NonNullable<RequestOptions['raw']>,
      contentType: o.contentType,
      timeoutMs: 0,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    bar.update(size);
    bar.done();
    return r;
  } catch (err) {
    bar.done();
    if (err instanceof CliError) throw err;
    throw new CliError(`upload of ${o.path} failed after ${formatBytes(sent)}: ${(err as Error).message}`, EXIT.error);
  }
}
