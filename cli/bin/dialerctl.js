#!/usr/bin/env node
// The installed `dialerctl` command. It lives outside dist/ so that npm can
// link it when the workspace is installed, before anything has been built.
try {
  await import('../dist/main.js');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    process.stderr.write('dialerctl: not built yet; run `npm run build` in the repository first\n');
    process.exit(2);
  }
  throw err;
}
