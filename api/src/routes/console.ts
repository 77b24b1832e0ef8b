import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { DialerError } from '@dialer/core';

/** The console's build folder: the setting, or the `dist` of the installed @dialer/console package (resolved, never imported). */
export function consoleDir(setting: string | undefined): string | undefined {
  if (setting) return resolve(setting);
  try {
    const pkg = createRequire(import.meta.url).resolve('@dialer/console/package.json');
    return join(dirname(pkg), 'dist');
  } catch {
    return undefined;
  }
}

/**
 * Serves the web console at `/`. Returns whether it is there: then unknown
 * paths outside `/api` that accept HTML get `index.html` (see {@link spaFallback}),
 * so the console's client-side routes survive a reload.
 */
export async function registerConsole(app: FastifyInstance, setting: string | undefined): Promise<boolean> {
  const dir = consoleDir(setting);
  const index = dir ? join(dir, 'index.html') : undefined;
  if (!dir || !index || !existsSync(index)) {
    app.get('/', { config: { auth: false } }, async () => {
      throw new DialerError('DIALER_ERR_UNAVAILABLE', 'the web console is not built (npm run build); the API is under /api/v1, its docs at /api/docs');
    });
    return false;
  }
  await app.register(fastifyStatic, { root: dir, prefix: '/', wildcard: true, index: ['index.html'], cacheControl: true, maxAge: 0 });
  return true;
}

/** Whether a request that found no route should get the console's index.html. */
export function spaFallback(req: FastifyRequest): boolean {
  const path = req.url.split('?')[0] ?? '/';
  return req.method === 'GET' && String(req.headers.accept ?? '').includes('text/html') && !path.startsWith('/api') && !path.includes('.');
}
