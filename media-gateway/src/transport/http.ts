// The gateway's own small HTTP endpoint when it runs alone: GET /metrics
// (Prometheus) and GET /health. In the one-process start the API serves both.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** A listening endpoint. */
export interface MetricsServer {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/** Serves `registry` on `/metrics` and `health()` on `/health`. */
export async function serveMetrics(
  host: string,
  port: number,
  registry: Registry,
  health: () => { ok: boolean; [k: string]: unknown },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String((err as Error)?.message ?? err)),
      );
      return;
    }
    if (path === '/health') {
      const h = health();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'DIALER_ERR_NOT_FOUND', message: 'Not found', retryable: false } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const address = typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port };
  let closing: Promise<void> | undefined;
  return {
    address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
