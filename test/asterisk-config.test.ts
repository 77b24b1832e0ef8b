// The sample Asterisk configuration (asterisk/etc) must agree with what the
// controller is configured to expect (ariSection): the Stasis app and the
// arguments the controller reads back, the contexts it sends channels to, the
// ARI user and the environment placeholders for credentials, the outbound
// trunk endpoint, and the modules. This is the one test of asterisk/etc (the
// controller's own copy was merged into it); run it on a deployed, rendered
// directory with DIALER_ASTERISK_ETC=/etc/asterisk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeSettings } from '@dialer/core';
import { ariSection } from '@dialer/ari-controller';
import { ALL_SECTIONS } from '../scripts/sections.js';

// DIALER_ASTERISK_ETC checks another directory, e.g. a deployed /etc/asterisk after rendering.
const etc = process.env['DIALER_ASTERISK_ETC'] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'asterisk', 'etc');

/** One `key = value` or `key => value` line of a section. */
interface Entry {
  key: string;
  value: string;
  line: number;
}

/** A `[name]` section; `(!)` marks a template, other names in the parentheses are the templates it inherits. */
interface Section {
  name: string;
  template: boolean;
  inherits: string[];
  entries: Entry[];
  line: number;
}

/**
 * Parses Asterisk's configuration syntax: `;` comments (`\;` is a literal),
 * `;-- … --;` block comments, `[section](!,tpl)` headers, `key = value` and
 * `key => value` lines, `#include`/`#exec` directives (ignored).
 */
function parseConf(text: string): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  let inBlock = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i]!;
    if (inBlock) {
      const end = raw.indexOf('--;');
      if (end < 0) continue;
      raw = raw.slice(end + 3);
      inBlock = false;
    }
    const blockStart = raw.indexOf(';--');
    if (blockStart >= 0) {
      const end = raw.indexOf('--;', blockStart + 3);
      if (end < 0) {
        inBlock = true;
        raw = raw.slice(0, blockStart);
      } else raw = raw.slice(0, blockStart) + raw.slice(end + 3);
    }
    let cut = -1;
    for (let j = 0; j < raw.length; j++) {
      if (raw[j] === ';' && raw[j - 1] !== '\\') {
        cut = j;
        break;
      }
    }
    const l = (cut >= 0 ? raw.slice(0, cut) : raw).replace(/\\;/g, ';').trim();
    if (l === '' || l.startsWith('#')) continue;
    const header = /^\[([^\]]+)\]\s*(?:\(([^)]*)\))?$/.exec(l);
    if (header) {
      const opts = (header[2] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      current = { name: header[1]!.trim(), template: opts.includes('!'), inherits: opts.filter((o) => o !== '!' && o !== '+'), entries: [], line: i + 1 };
      sections.push(current);
      continue;
    }
    const kv = /^([^=]+?)\s*=>?\s*(.*)$/.exec(l);
    if (!kv) throw new Error(`line ${i + 1}: cannot parse ${JSON.stringify(l)}`);
    if (!current) throw new Error(`line ${i + 1}: ${kv[1]} outside any section`);
    current.entries.push({ key: kv[1]!.trim(), value: kv[2]!.trim(), line: i + 1 });
  }
  return sections;
}

function conf(name: string): Section[] {
  const path = join(etc, name);
  assert.ok(existsSync(path), `asterisk/etc/${name} is missing`);
  return parseConf(readFileSync(path, 'utf8'));
}

function section(sections: Section[], name: string): Section | undefined {
  return sections.find((s) => s.name === name);
}

function value(s: Section | undefined, key: string): string | undefined {
  return s?.entries.find((e) => e.key === key)?.value;
}

/** A section's value, following its templates. */
function inherited(sections: Section[], s: Section, key: string, depth = 0): string | undefined {
  const own = value(s, key);
  if (own !== undefined || depth > 5) return own;
  for (const t of s.inherits) {
    const parent = section(sections, t);
    const v = parent ? inherited(sections, parent, key, depth + 1) : undefined;
    if (v !== undefined) return v;
  }
  return undefined;
}

const truthy = (v: string | undefined): boolean => /^(yes|true|on|1)$/i.test(v ?? '');

/** Every `${NAME}` or `$NAME`-style environment placeholder in a text. */
function placeholders(text: string): string[] {
  return [...text.matchAll(/\$\{(?:ENV\()?([A-Z][A-Z0-9_]+)\)?\}/g)].map((m) => m[1]!);
}

/** Every `Stasis(app,args...)` call of a dialplan, with its arguments split at top-level commas. */
function stasisCalls(ext: Section[]): Array<{ context: string; exten: string; line: number; app: string; args: string[] }> {
  const out: Array<{ context: string; exten: string; line: number; app: string; args: string[] }> = [];
  for (const c of ext) {
    let exten = '';
    for (const e of c.entries) {
      if (e.key === 'exten') exten = e.value.split(',')[0]!.trim();
      const at = e.value.indexOf('Stasis(');
      if (at < 0) continue;
      // Split inside the parentheses, keeping `${...}` and nested calls whole.
      const parts: string[] = [];
      let depth = 0;
      let cur = '';
      for (const ch of e.value.slice(at + 'Stasis('.length)) {
        if (depth === 0 && ch === ')') break;
        if (ch === '(' || ch === '{') depth++;
        if (ch === ')' || ch === '}') depth--;
        if (depth === 0 && ch === ',') {
          parts.push(cur.trim());
          cur = '';
        } else cur += ch;
      }
      parts.push(cur.trim());
      out.push({ context: c.name, exten, line: e.line, app: parts[0]!, args: parts.slice(1) });
    }
  }
  return out;
}

const ari = ariSection.settings;
const ariApp = String(ari.app.default);
const ariUser = String(ari.username.default);
const ariUrl = String(ari.url.default);
const ariPort = new URL(ariUrl).port || '80';
const amdContext = String(ari.amdContext.default);
const outbound = String(ari.outboundEndpoint.default);
/** `PJSIP/{phone}@trunk` → the endpoint `trunk`. */
const trunkEndpoint = /@([A-Za-z0-9_.-]+)$/.exec(outbound)?.[1] ?? /^PJSIP\/([^/]+)\//.exec(outbound)?.[1];

// --- the parser itself --------------------------------------------------------

test('the parser reads sections, templates, both assignment forms and every comment form', () => {
  const s = parseConf(
    [
      '; a comment',
      '[general]',
      'enabled = yes ; trailing comment',
      ';-- a block',
      'comment --;',
      '[endpoint-tpl](!)',
      'type=endpoint',
      '[trunk](endpoint-tpl)',
      'context => from-trunk',
      'callerid = "Shop \\; Co" <100>',
      '#include extra.conf',
      '[ctx]',
      'exten => s,1,Answer()',
      ' same => n,Stasis(dialer,inbound,${EXTEN})',
    ].join('\n'),
  );
  assert.deepEqual(
    s.map((x) => [x.name, x.template, x.inherits]),
    [
      ['general', false, []],
      ['endpoint-tpl', true, []],
      ['trunk', false, ['endpoint-tpl']],
      ['ctx', false, []],
    ],
  );
  assert.equal(value(s[0], 'enabled'), 'yes');
  assert.equal(inherited(s, s[2]!, 'type'), 'endpoint');
  assert.equal(value(s[2], 'callerid'), '"Shop ; Co" <100>');
  assert.deepEqual(s[3]!.entries.map((e) => [e.key, e.value]), [
    ['exten', 's,1,Answer()'],
    ['same', 'n,Stasis(dialer,inbound,${EXTEN})'],
  ]);
  assert.throws(() => parseConf('key = outside'), /outside any section/);
});

// --- the sample configuration ---------------------------------------------------

test('http.conf: the HTTP server is on, bound to localhost, on the port of ARI_URL', () => {
  const http = conf('http.conf');
  const g = section(http, 'general');
  assert.ok(truthy(value(g, 'enabled')), 'http.conf [general] enabled = yes');
  assert.equal(value(g, 'bindaddr'), '127.0.0.1', 'ARI is served on localhost only');
  assert.equal(value(g, 'bindport') ?? '8088', ariPort, `bindport must be the port of ARI_URL's default (${ariUrl})`);
});

test('ari.conf: ARI on, and the controller\'s user: ARI_USERNAME and ARI_PASSWORD, as placeholders or the default name', () => {
  const a = conf('ari.conf');
  const text = readFileSync(join(etc, 'ari.conf'), 'utf8');
  assert.ok(truthy(value(section(a, 'general'), 'enabled')), 'ari.conf [general] enabled = yes');
  // The user section is either the placeholder `${ARI_USERNAME}` (rendered with the controller's value) or its default name.
  const user = a.find((x) => x.name === ariUser || placeholders(x.name).includes(ari.username.env));
  assert.ok(user, `ari.conf has a [\${${ari.username.env}}] or [${ariUser}] section`);
  assert.equal(inherited(a, user, 'type'), 'user');
  const password = inherited(a, user, 'password') ?? '';
  if (process.env['DIALER_ASTERISK_ETC']) {
    // A deployed, rendered ari.conf: a real password, long enough.
    assert.ok(!password.includes('${') && password.length >= 16, `the password of [${user.name}] is rendered and at least 16 characters`);
  } else {
    assert.ok(password.includes(ari.password.env), `the password of [${user.name}] is a placeholder naming ${ari.password.env} (got ${JSON.stringify(password)})`);
  }
  assert.ok(!truthy(inherited(a, user, 'read_only')), 'the controller needs a read-write ARI user');
  if (!process.env['DIALER_ASTERISK_ETC']) {
    // The template carries no literal password in any section: credentials come only from the environment.
    for (const sec of a) {
      for (const e of sec.entries.filter((x) => x.key === 'password')) assert.ok(e.value.includes('${'), `ari.conf line ${e.line}: a literal password in the sample`);
    }
  }
  // Every placeholder in the file names a real setting.
  const known = new Set(describeSettings(ALL_SECTIONS).map((r) => r.env));
  for (const p of placeholders(text)) assert.ok(known.has(p), `ari.conf placeholder ${p} is not a setting of the system`);
});

test(`extensions.conf: every Stasis() uses the app ${ariApp}; the inbound and ${amdContext} contexts; h extensions; consent`, () => {
  const ext = conf('extensions.conf');
  const contexts = ext.filter((s) => !['general', 'globals'].includes(s.name) && !s.template);
  assert.ok(contexts.length > 0, 'extensions.conf defines contexts');

  // `${NAME}` in an application argument resolves through [globals] (e.g. DIALER_APP = dialer).
  const globals = new Map((section(ext, 'globals')?.entries ?? []).map((e) => [e.key, e.value]));
  const resolve = (v: string): string => v.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => globals.get(name) ?? whole);
  const stasisApps = new Map<string, string>();
  for (const c of ext) {
    for (const e of c.entries) {
      for (const m of e.value.matchAll(/Stasis\(([^,)]*)/g)) stasisApps.set(m[1]!.trim(), `[${c.name}] line ${e.line}`);
    }
  }
  assert.ok(stasisApps.size > 0, 'the dialplan enters Stasis somewhere');
  for (const [app, where] of stasisApps) {
    assert.equal(resolve(app), ariApp, `${where}: Stasis(${app}) must name ARI_APP's default (${ariApp})`);
  }

  // [globals] DIALER_APP, when the dialplan names the app through it, is ARI_APP.
  if (globals.has('DIALER_APP')) assert.equal(globals.get('DIALER_APP'), ariApp, '[globals] DIALER_APP must equal ARI_APP');

  // The arguments are the controller's protocol: StasisStart args[0] says why the channel is (back) in Stasis.
  const calls = stasisCalls(ext);
  const inboundCalls = calls.filter((c) => c.args[0] === 'inbound');
  assert.ok(inboundCalls.length > 0, 'a Stasis(app,inbound,<did>) call');
  for (const c of inboundCalls) assert.equal(c.args[1], '${EXTEN}', `[${c.context}] line ${c.line}: Stasis(app,inbound,\${EXTEN}) passes the dialled DID`);
  const amdCalls = calls.filter((c) => c.context === amdContext);
  assert.ok(amdCalls.length >= 2, `${amdContext} returns to Stasis from both of its extensions`);
  for (const c of amdCalls) {
    assert.deepEqual(c.args.slice(0, 3), ['amd', '${AMDSTATUS}', '${AMDCAUSE}'], `[${c.context}] line ${c.line}: Stasis(app,amd,\${AMDSTATUS},\${AMDCAUSE}[,beep])`);
  }
  assert.ok(amdCalls.some((c) => c.exten === 'vmdrop' && c.args[3] === '${DIALER_BEEP}'), 'vmdrop passes whether it heard the beep (DIALER_BEEP: tone or silence)');

  const stasisIn = (c: Section) => c.entries.some((e) => /Stasis\(/.test(e.value));
  const inbound = contexts.filter((c) => /inbound/i.test(c.name) && stasisIn(c));
  assert.ok(inbound.length > 0, 'an inbound DID context sends calls into Stasis');

  const amd = section(ext, amdContext);
  assert.ok(amd, `the AMD context ${amdContext} (ARI_AMD_CONTEXT) exists`);
  assert.ok(amd.entries.some((e) => /\bAMD\(/.test(e.value)), `${amdContext} runs AMD()`);
  assert.ok(stasisIn(amd), `${amdContext} returns to Stasis with the result`);
  assert.ok(amd.entries.some((e) => /AMDSTATUS/.test(e.value)), `${amdContext} passes AMDSTATUS back`);
  // The controller continues answered calls to (ARI_AMD_CONTEXT, s or vmdrop, 1): both must run AMD() first.
  for (const exten of ['s', 'vmdrop']) {
    const first = amd.entries.find((e) => e.key === 'exten' && new RegExp(`^${exten}\\s*,\\s*1\\s*,`).test(e.value));
    assert.ok(first && /,\s*AMD\(/.test(first.value), `${amdContext} extension ${exten} priority 1 runs AMD()`);
  }

  for (const c of contexts) {
    // An `include =>` of another context brings its extensions along.
    const hasH = (ctx: Section, depth = 0): boolean =>
      ctx.entries.some((e) => e.key === 'exten' && /^h\s*,/.test(e.value)) ||
      (depth < 5 && ctx.entries.some((e) => e.key === 'include' && hasH(section(ext, e.value.trim()) ?? { name: '', template: false, inherits: [], entries: [], line: 0 }, depth + 1)));
    assert.ok(hasH(c), `context [${c.name}] (line ${c.line}) has an h extension, so hangup accounting never breaks`);
  }

  assert.ok(ext.some((c) => c.entries.some((e) => /consent/i.test(e.value) && /(Playback|Background)\(/.test(e.value))), 'a consent announcement is played');
});

test(`pjsip.conf: the outbound endpoint ${trunkEndpoint} (ARI_OUTBOUND_ENDPOINT), agent SIP phones and a WebRTC template`, () => {
  const pj = conf('pjsip.conf');
  const typeOf = (s: Section) => inherited(pj, s, 'type');
  // PJSIP reuses a name for an endpoint, its aor and its identify: look for the endpoint among them.
  const trunk = pj.find((x) => x.name === trunkEndpoint && typeOf(x) === 'endpoint');
  assert.ok(trunk, `pjsip.conf defines the endpoint [${trunkEndpoint}] that ${ari.outboundEndpoint.env} (${outbound}) dials`);
  const aors = inherited(pj, trunk, 'aors');
  assert.ok(aors && pj.some((x) => x.name === aors && typeOf(x) === 'aor'), `the trunk's aors (${aors}) exist`);
  const ctx = inherited(pj, trunk, 'context');
  const ext = conf('extensions.conf');
  assert.ok(ctx && section(ext, ctx), `the trunk's context (${ctx}) exists in extensions.conf`);
  assert.ok(
    stasisCalls(ext).some((c) => c.context === ctx && c.args[0] === 'inbound'),
    `the trunk's context (${ctx}) sends its calls into Stasis as inbound calls`,
  );
  const endpoints = pj.filter((s) => typeOf(s) === 'endpoint');
  assert.ok(endpoints.some((s) => truthy(inherited(pj, s, 'webrtc'))), 'a WebRTC-capable endpoint (webrtc = yes)');
  assert.ok(endpoints.some((s) => s !== trunk && !truthy(inherited(pj, s, 'webrtc')) && /agent|phone/i.test(`${s.name} ${s.inherits.join(' ')}`)), 'an agent SIP phone endpoint or template');
  const transports = pj.filter((s) => typeOf(s) === 'transport');
  assert.ok(transports.length > 0, 'at least one transport');
});

test('rtp.conf: an RTP port range for Asterisk', () => {
  const g = section(conf('rtp.conf'), 'general');
  const start = Number(value(g, 'rtpstart'));
  const end = Number(value(g, 'rtpend'));
  assert.ok(Number.isInteger(start) && Number.isInteger(end) && start >= 1024 && end > start && end <= 65535, `rtpstart/rtpend form a range (got ${start}-${end})`);
});

test('modules.conf: chan_rtp, the res_ari and res_stasis modules (snoop included), app_amd and res_tonedetect are loaded, none disabled', () => {
  const m = conf('modules.conf');
  const entries = m.flatMap((s) => s.entries);
  const noload = new Set(entries.filter((e) => e.key === 'noload').map((e) => e.value));
  const autoload = truthy(value(section(m, 'modules'), 'autoload'));
  const loaded = (mod: string) => !noload.has(mod) && (autoload || entries.some((e) => (e.key === 'load' || e.key === 'require') && e.value === mod));
  // res_ari_channels does not load without every res_stasis_* helper it drives (snoop taps every transcribed call);
  // app_stasis is the dialplan's Stasis(); res_tonedetect hears the voicemail beep.
  for (const mod of [
    'chan_rtp.so',
    'res_ari.so',
    'res_ari_channels.so',
    'res_ari_bridges.so',
    'res_ari_events.so',
    'res_stasis.so',
    'res_stasis_answer.so',
    'res_stasis_playback.so',
    'res_stasis_recording.so',
    'res_stasis_snoop.so',
    'app_stasis.so',
    'app_amd.so',
    'res_tonedetect.so',
  ]) {
    assert.ok(loaded(mod), `${mod} is loaded (autoload, or load/require) and not noload`);
  }
  if (!process.env['DIALER_ASTERISK_ETC']) {
    // The sample makes the ones the dialer cannot run without fail loudly at start rather than load silently without them.
    const required = new Set(entries.filter((e) => e.key === 'require').map((e) => e.value));
    for (const mod of ['chan_rtp.so', 'res_ari.so', 'res_ari_channels.so', 'res_ari_bridges.so', 'res_ari_events.so', 'res_stasis_snoop.so', 'app_amd.so', 'res_tonedetect.so']) {
      assert.ok(required.has(mod), `modules.conf: require = ${mod}`);
    }
  }
});

test('dialerctl doctor\'s test call has its context: Local/milliwatt@dialer-test answers and plays a tone', () => {
  const ext = conf('extensions.conf');
  const ctx = section(ext, 'dialer-test');
  assert.ok(ctx, 'extensions.conf has the [dialer-test] context');
  // The `milliwatt` extension and the `same =>` lines that follow it.
  const start = ctx.entries.findIndex((e) => e.key === 'exten' && /^milliwatt\s*,/.test(e.value));
  assert.ok(start >= 0, '[dialer-test] has a milliwatt extension');
  const steps = [ctx.entries[start]!, ...ctx.entries.slice(start + 1).filter((_e, i, rest) => rest.slice(0, i + 1).every((x) => x.key === 'same'))];
  assert.ok(steps.some((e) => /Answer\(/.test(e.value)), 'milliwatt answers');
  assert.ok(steps.some((e) => /(Milliwatt|Playtones|Playback)\(/.test(e.value)), 'milliwatt plays audio');
});
