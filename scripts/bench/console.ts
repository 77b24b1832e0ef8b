// bench:console — how fast the web console loads on localhost, in Debian's Chromium
// (playwright-core, never a downloaded browser), against the real API serving the built console.
// Target (issue 8): usable within a second on localhost.
//
// Per run:
//  - baseline: a minimal static HTML page served by the same API process (the same static-file
//    route as the console), so the console's figures can be read as ratios of it;
//  - login page: cold (a new browser context: empty cache, no session) and warm (the same
//    context, cache filled, opened again);
//  - agent screen after login: cold (a new context with a fresh session, as after a login in
//    another tab) and warm (opened again in the same context);
//  - login → agent screen (most of it is the API's deliberately slow password check, reported
//    alone as loginApiMs), and "Sign in to the phone" → the Ready button (the microphone opened
//    and one round trip through the API to the call controller).
// Times are from the navigation's start to the load event and to the first usable control
// (the Log in button enabled; on the agent screen, "Sign in to the phone" enabled, i.e. the
// agent's campaigns loaded; for the baseline, its button), seen by a MutationObserver in the page.
// Bytes are what the page transferred (headers included, as the browser's Resource Timing reports).
//
// Usage: npm run bench:console -- [--json] [--runs=5]
// The console must be built first (`npm run build`, or `npm run build -w @dialer/console`).
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AriSimulator } from '@dialer/ari-controller/simulator';
import { ADMIN, Rest, startStack, type Stack } from '../../test/e2e/helpers/stack.js';
import { seedCallCenter, type Seeded } from '../../test/e2e/helpers/seed.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const runs = Math.max(1, Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5));
const TARGET_MS = 1000;
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'console', 'dist');
const log = (s: string): void => void process.stderr.write(`${s}\n`);

if (!existsSync(join(DIST, 'index.html')) || !existsSync(join(DIST, 'main.js'))) {
  log('bench:console: the console is not built (console/dist/index.html is missing). Run `npm run build` (or `npm run build -w @dialer/console`) first.');
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  log(`bench:console: no Chromium at ${CHROMIUM}. Install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH; no browser is downloaded.`);
  process.exit(1);
}

// The page that is the baseline: nothing to fetch, one button.
const BASELINE_HTML = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>baseline</title></head><body><button id="bench-ok" type="button">OK</button></body></html>\n';

// In every page: record when each usable control first appears (performance.now(), from the
// navigation's start) and when each form is submitted. Runs before the page's own scripts
// (the DevTools protocol adds it; the API's Content-Security-Policy does not apply to it).
const PROBE = `(() => {
  const marks = (window.__bench = { submits: [] });
  const probes = {
    baseline: '#bench-ok',
    login: 'form.login button[type=submit]:not([disabled])',
    signin: 'form.signin button[type=submit]:not([disabled])',
    ready: '.statebar .state-actions button.primary:not([disabled])',
  };
  const check = () => {
    for (const k in probes) if (marks[k] === undefined && document.querySelector(probes[k])) marks[k] = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  addEventListener('submit', () => marks.submits.push(performance.now()), true);
})()`;

const MARKS = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  let bytes = nav ? nav.transferSize : 0;
  for (const r of performance.getEntriesByType('resource')) bytes += r.transferSize;
  return { ...window.__bench, load: nav ? nav.loadEventEnd : 0, bytes };
})()`;

interface Marks {
  submits: number[];
  baseline?: number;
  login?: number;
  signin?: number;
  ready?: number;
  load: number;
  bytes: number;
}

interface Sample {
  loadMs: number;
  controlMs: number;
  bytes: number;
}

async function marks(page: Page): Promise<Marks> {
  return (await page.evaluate(MARKS)) as Marks;
}

/** Waits (polling in the page, not timing anything) until a mark is set. */
async function waitMark(page: Page, key: 'baseline' | 'login' | 'signin' | 'ready', what: string, afterSubmit = 0): Promise<Marks> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = await marks(page);
    if (m[key] !== undefined && m.load > 0 && m.submits.length >= afterSubmit) return m;
    if (Date.now() > deadline) throw new Error(`bench:console: ${what} never became usable (30 s)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Opens `url` as a new document (about:blank first, so a URL that differs only by its hash is a real load). */
async function open(page: Page, url: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'load' });
}

async function sample(page: Page, url: string, key: 'baseline' | 'login' | 'signin', what: string): Promise<Sample> {
  await open(page, url);
  const m = await waitMark(page, key, what);
  return { loadMs: m.load, controlMs: m[key]!, bytes: m.bytes };
}

async function newContext(browser: Browser, refreshToken?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, permissions: ['microphone'] });
  await context.addInitScript(PROBE);
  // A session as the console keeps it after a login (sessionStorage), set once: later loads keep the rotated token.
  if (refreshToken) await context.addInitScript(`if (location.protocol === 'http:' && !sessionStorage.getItem('dialer.refreshToken')) sessionStorage.setItem('dialer.refreshToken', ${JSON.stringify(refreshToken)})`);
  const page = await context.newPage();
  return { context, page };
}

/** How long each POST /auth/login took (its password check, scrypt, is slow on purpose), to explain login → agent screen. */
const loginApiMs: number[] = [];

async function refreshTokenOf(base: string, email: string, password: string): Promise<string> {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!res.ok) throw new Error(`bench:console: login failed: ${res.status} ${await res.text()}`);
  loginApiMs.push(performance.now() - t0);
  return ((await res.json()) as { refreshToken: string }).refreshToken;
}

interface Run {
  baseline: { cold: Sample; warm: Sample };
  login: { cold: Sample; warm: Sample };
  agent: { cold: Sample; warm: Sample };
  loginToAgentMs: number;
  signInToReadyMs: number;
}

async function oneRun(browser: Browser, base: string, seed: Seeded): Promise<Run> {
  const url = `${base}/`;
  // Baseline: the static page from the same server.
  const b = await newContext(browser);
  const baseline = { cold: await sample(b.page, `${base}/baseline.html`, 'baseline', 'the baseline page'), warm: await sample(b.page, `${base}/baseline.html`, 'baseline', 'the baseline page') };
  await b.context.close();

  // Login page, cold, then the agent logs in (login → agent screen) and signs in to the phone (→ Ready).
  const l = await newContext(browser);
  const loginCold = await sample(l.page, url, 'login', 'the Log in button');
  await l.page.getByLabel('E-mail', { exact: true }).fill(seed.agent.email);
  await l.page.getByLabel('Password', { exact: true }).fill(seed.agent.password);
  await l.page.getByRole('button', { name: 'Log in' }).click();
  let m = await waitMark(l.page, 'signin', 'the agent screen after login', 1);
  const loginToAgentMs = m.signin! - m.submits[0]!;
  await l.page.getByRole('button', { name: 'Sign in to the phone' }).click();
  m = await waitMark(l.page, 'ready', 'the Ready button', 2);
  const signInToReadyMs = m.ready! - m.submits[1]!;
  // Sign out of the phone, so every run starts the same way.
  await l.page.getByRole('button', { name: 'Sign out of phone' }).click();
  await l.page.getByRole('heading', { name: 'Start your shift' }).waitFor();
  // The agent screen again in this context (warm cache, the session kept in sessionStorage).
  const agentWarm = await sample(l.page, url, 'signin', 'the agent screen (warm)');
  // Logged out (session forgotten), the login page again with a warm cache.
  await l.page.evaluate(`sessionStorage.clear()`);
  const loginWarm = await sample(l.page, url, 'login', 'the Log in button (warm)');
  await l.context.close();

  // The agent screen in a new context (empty cache) with a session, as after a login.
  const a = await newContext(browser, await refreshTokenOf(base, seed.agent.email, seed.agent.password));
  const agentCold = await sample(a.page, url, 'signin', 'the agent screen (cold)');
  await a.context.close();

  return { baseline, login: { cold: loginCold, warm: loginWarm }, agent: { cold: agentCold, warm: agentWarm }, loginToAgentMs, signInToReadyMs };
}

function q(values: number[]): { p50: number; p95: number } {
  const v = [...values].sort((x, y) => x - y);
  const at = (p: number): number => Math.round(v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)]! * 10) / 10;
  return { p50: at(0.5), p95: at(0.95) };
}
const median = (values: number[]): number => q(values).p50;

let sim: AriSimulator | undefined;
let stack: Stack | undefined;
let browser: Browser | undefined;
const consoleDir = mkdtempSync(join(tmpdir(), 'dialer-bench-console-'));
let result: Record<string, unknown>;
try {
  // The built console plus the baseline page, served by the API from one folder (API_CONSOLE_DIR).
  cpSync(DIST, consoleDir, { recursive: true });
  writeFileSync(join(consoleDir, 'baseline.html'), BASELINE_HTML);
  log('starting the system (npm start composition, the ARI simulator as the PBX)');
  sim = await AriSimulator.start({});
  stack = await startStack({ ARI_URL: sim.url, ARI_USERNAME: 'dialer', ARI_PASSWORD: 'dialer', API_CONSOLE_DIR: consoleDir, LOG_LEVEL: 'info' });
  const admin = new Rest(stack.url);
  await admin.login(ADMIN.email, ADMIN.password);
  const seed = await seedCallCenter(admin);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  log('warm-up run (not counted)');
  await oneRun(browser, stack.url, seed);
  const all: Run[] = [];
  for (let i = 0; i < runs; i++) {
    all.push(await oneRun(browser, stack.url, seed));
    log(`run ${i + 1}/${runs}: login cold ${all[i]!.login.cold.controlMs.toFixed(0)} ms, agent cold ${all[i]!.agent.cold.controlMs.toFixed(0)} ms, baseline cold ${all[i]!.baseline.cold.controlMs.toFixed(0)} ms`);
  }
  const page = (k: 'baseline' | 'login' | 'agent') => {
    const cold = all.map((r) => r[k].cold);
    const warm = all.map((r) => r[k].warm);
    return {
      coldMs: q(cold.map((s) => s.controlMs)),
      warmMs: q(warm.map((s) => s.controlMs)),
      loadEventMs: { cold: q(cold.map((s) => s.loadMs)), warm: q(warm.map((s) => s.loadMs)) },
      bytes: { cold: median(cold.map((s) => s.bytes)), warm: median(warm.map((s) => s.bytes)) },
    };
  };
  const baseline = page('baseline');
  const login = page('login');
  const agent = page('agent');
  const ratio = (x: number, y: number): number => Math.round((x / Math.max(y, 0.1)) * 10) / 10;
  const worst = Math.max(login.coldMs.p95, login.warmMs.p95, agent.coldMs.p95, agent.warmMs.p95);
  result = {
    runs,
    login,
    agent: { ...agent, loginToAgentMs: q(all.map((r) => r.loginToAgentMs)), loginApiMs: q(loginApiMs.slice(1)), signInToReadyMs: q(all.map((r) => r.signInToReadyMs)) },
    baseline,
    ratioToBaseline: {
      loginCold: ratio(login.coldMs.p50, baseline.coldMs.p50),
      loginWarm: ratio(login.warmMs.p50, baseline.warmMs.p50),
      agentCold: ratio(agent.coldMs.p50, baseline.coldMs.p50),
      agentWarm: ratio(agent.warmMs.p50, baseline.warmMs.p50),
    },
    targetMs: TARGET_MS,
    meetsTarget: worst <= TARGET_MS,
  };
} finally {
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  await sim?.close();
  rmSync(consoleDir, { recursive: true, force: true });
}
if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
else log(JSON.stringify(result, null, 2));
