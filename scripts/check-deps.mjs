#!/usr/bin/env node
// The dependency-direction check (CONVENTIONS.md, "Layout and dependencies"):
// - core imports no workspace;
// - no daemon (ari-controller, media-gateway, api) imports another daemon;
// - media-gateway reaches stt-providers only from its composition root, src/main.ts;
// - no file reaches into another workspace with a relative path.
// The repo-level scripts/ and test/ are composition roots and may import anything.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKSPACES = ['core', 'stt-providers', 'media-gateway', 'ari-controller', 'api', 'console', 'cli'];
export const DAEMONS = ['ari-controller', 'media-gateway', 'api'];

/** What each workspace may import: workspace -> { target: true | { files?: [...], subpaths?: [...] } } */
export const ALLOWED = {
  core: {},
  'stt-providers': { core: true },
  'media-gateway': { core: true, 'stt-providers': { files: ['src/main.ts'] } },
  'ari-controller': { core: true },
  api: { core: true },
  console: { core: true },
  cli: { core: true, 'ari-controller': { subpaths: ['simulator'] } },
};

const SPEC_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', 'test-artifacts']);

function walk(dir) {
  const out = [];
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...walk(p));
    else if (/\.(m|c)?(t|j)sx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Returns every violation in the tree rooted at `root`, as readable strings. */
export function checkTree(root) {
  const violations = [];
  for (const ws of WORKSPACES) {
    const wsDir = join(root, ws);
    const allowed = ALLOWED[ws];
    for (const file of walk(wsDir)) {
      const rel = relative(wsDir, file).split(sep).join('/');
      const src = stripComments(readFileSync(file, 'utf8'));
      for (const m of src.matchAll(SPEC_RE)) {
        const spec = m[1];
        if (spec.startsWith('@dialer/')) {
          const [, target, ...rest] = spec.split('/');
          const subpath = rest.join('/');
          if (target === ws) continue;
          const rule = allowed[target];
          const ok =
            rule === true ||
            (rule && rule.files && rule.files.includes(rel)) ||
            (rule && rule.subpaths && subpath && rule.subpaths.some((s) => subpath === s || subpath.startsWith(`${s}/`)));
          if (!ok) {
            const why =
              ws === 'core'
                ? 'core imports no workspace'
                : DAEMONS.includes(ws) && DAEMONS.includes(target)
                  ? 'a daemon may not import another daemon; meet through core types and the bus'
                  : rule && rule.files
                    ? `only ${rule.files.join(', ')} may import ${target}`
                    : `${ws} may not import ${target}`;
            violations.push(`${ws}/${rel}: imports ${spec} (${why})`);
          }
        } else if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          const back = relative(wsDir, target);
          if (back.startsWith('..')) {
            violations.push(`${ws}/${rel}: imports ${spec}, outside its workspace (use the package name)`);
          }
        }
      }
    }
    let pkg;
    try {
      pkg = JSON.parse(readFileSync(join(wsDir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(pkg[field] ?? {})) {
        if (!dep.startsWith('@dialer/')) continue;
        const target = dep.slice('@dialer/'.length);
        if (!allowed[target]) violations.push(`${ws}/package.json: ${field} lists ${dep} (${ws === 'core' ? 'core depends on no workspace' : `${ws} may not depend on ${target}`})`);
      }
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkTree(root);
  if (violations.length > 0) {
    console.error(`dependency check failed (${violations.length}):`);
    for (const v of violations) console.error(`  - ${v}`);
    process.exit(1);
  }
  console.error('dependency check: ok');
}
