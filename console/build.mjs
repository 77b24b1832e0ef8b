#!/usr/bin/env node
// Bundles the console into dist/: main.js (Preact + the app, minified), app.css
// and index.html, which references both with a content hash for cache busting.
// `node build.mjs --watch` rebuilds on change (for development against `npm start`).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

const here = (p) => new URL(p, import.meta.url);
const dist = here('./dist/');
const watch = process.argv.includes('--watch');

const options = {
  entryPoints: [here('./src/main.tsx').pathname, here('./src/app.css').pathname],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: !watch,
  sourcemap: 'linked',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: dist.pathname,
  entryNames: '[name]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
};

function writeIndex() {
  const js = readFileSync(new URL('main.js', dist));
  const css = readFileSync(new URL('app.css', dist));
  const hash = (b) => createHash('sha256').update(b).digest('hex').slice(0, 12);
  const html = readFileSync(here('./public/index.html'), 'utf8').replace('__HASH_JS__', hash(js)).replace('__HASH_CSS__', hash(css));
  writeFileSync(new URL('index.html', dist), html);
  return { js: js.length, css: css.length };
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
if (watch) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [{ name: 'index', setup: (b) => b.onEnd((r) => r.errors.length === 0 && writeIndex()) }],
  });
  await ctx.watch();
  console.error('console: watching for changes');
} else {
  await esbuild.build(options);
  const size = writeIndex();
  console.error(`console: built dist/ (main.js ${(size.js / 1024).toFixed(1)} KiB, app.css ${(size.css / 1024).toFixed(1)} KiB)`);
}
