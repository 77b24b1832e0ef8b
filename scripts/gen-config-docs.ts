// Rewrites the configuration table in README.md from the sections' own
// declarations: `npm run docs:config`. The docs test fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { describeSettings } from '@dialer/core';
import { ALL_SECTIONS } from './sections.js';

const START = '<!-- config:start -->';
const END = '<!-- config:end -->';

export function configTable(): string {
  const rows = describeSettings(ALL_SECTIONS);
  const out: string[] = [];
  let section = '';
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      out.push('', `**${section}**`, '', '| variable | default | meaning |', '| --- | --- | --- |');
    }
    const dflt = r.default.startsWith('(') || r.default === 'the host name' ? r.default : `\`${r.default}\``;
    out.push(`| \`${r.env}\`${r.secret ? ' (secret)' : ''} | ${dflt} | ${r.doc.replace(/\|/g, '\\|')} |`);
  }
  return out.join('\n').trim();
}

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
const next = `${readme.slice(0, a + START.length)}\n${configTable()}\n${readme.slice(b)}`;
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('README.md configuration table is stale: run `npm run docs:config`');
    process.exit(1);
  }
} else {
  writeFileSync(path, next);
}
