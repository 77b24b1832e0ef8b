import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { decodePng, inkStats } from './png.js';

/** Debian's Chromium; nothing is ever downloaded. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Where screenshots go (git-ignored). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'e2e');

export interface TestBrowser {
  browser: Browser;
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with fake media devices (a fresh profile per
 * launch). With `micBlocked`, microphone access is refused, as when a person
 * blocks it (no fake permission prompt, no granted permission).
 */
export async function launchBrowser(opts: { micBlocked?: boolean } = {}): Promise<TestBrowser> {
  // Playwright gives every launch a fresh temporary profile (its own --user-data-dir) and removes it on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      ...(opts.micBlocked ? [] : ['--use-fake-ui-for-media-stream']),
      '--use-fake-device-for-media-stream',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, permissions: opts.micBlocked ? [] : ['microphone'] });
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      (page as Page & { consoleErrors?: string[] }).consoleErrors = errors;
      return { context, page };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
    },
  };
}

/**
 * Saves a screenshot under test-artifacts/e2e and checks it: the expected
 * size, not blank (enough of the image differs from the background), and
 * not a flat error page (several colours).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  const png = await page.screenshot({ fullPage: false });
  writeFileSync(file, png);
  const img = decodePng(png);
  const vp = page.viewportSize()!;
  assert.equal(img.width, vp.width, `${name}: width`);
  assert.equal(img.height, vp.height, `${name}: height`);
  const ink = inkStats(img);
  assert.ok(ink.inkFraction > 0.02, `${name}: the screenshot looks blank (${(ink.inkFraction * 100).toFixed(2)}% ink)`);
  assert.ok(ink.colours > 8, `${name}: only ${ink.colours} colours`);
  return file;
}

// In-page scripts are strings: the repository's type check has no DOM library.
const ACTIVE_ELEMENT = `(() => {
  const a = document.activeElement;
  if (!a || a === document.body) return null;
  const lab = a.getAttribute('aria-label') || (a.id && document.querySelector('label[for="' + a.id + '"]')?.textContent) || a.closest('label')?.textContent || null;
  return { tag: a.tagName.toLowerCase(), text: (a.textContent || '').trim(), label: lab ? lab.trim() : null, name: a.getAttribute('name'), type: a.getAttribute('type') };
})()`;

const FOCUS_VISIBLE = `(() => {
  const a = document.activeElement;
  if (!a || a === document.body) return false;
  const s = getComputedStyle(a);
  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow !== 'none' && s.boxShadow !== '');
})()`;

const UNLABELLED = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.type === 'hidden' || el.hidden || el.closest('[hidden]')) continue;
    const name = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.id && document.querySelector('label[for="' + el.id + '"]')) ||
      (el.closest('label') && el.closest('label').textContent.trim()) || (el.tagName === 'BUTTON' && el.textContent.trim()) || el.getAttribute('title');
    if (!name) out.push(el.outerHTML.slice(0, 120));
  }
  return out;
})()`;

/** What {@link tabTo} sees of the focused element. */
export interface Focused {
  tag: string;
  text: string;
  label: string | null;
  name: string | null;
  type: string | null;
}

/** Presses Tab until `match` has focus (keyboard-only use); fails after `max` presses. */
export async function tabTo(page: Page, match: (el: Focused) => boolean, max = 60): Promise<Focused> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = (await page.evaluate(ACTIVE_ELEMENT)) as Focused | null;
    if (el && match(el)) return el;
  }
  throw new Error('tabTo: the element was never reached with Tab');
}

/** The focused element shows a visible focus ring (outline or box-shadow). */
export async function focusIsVisible(page: Page): Promise<boolean> {
  return (await page.evaluate(FOCUS_VISIBLE)) as boolean;
}

/** Form controls on the page with no accessible name (an accessibility smoke check). */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return (await page.evaluate(UNLABELLED)) as string[];
}

/**
 * Polls an in-page expression until it is truthy. (Playwright's waitForFunction
 * evaluates strings with eval, which the API's Content-Security-Policy forbids;
 * page.evaluate goes through the DevTools protocol and is not blocked.)
 */
export async function pollPage(page: Page, expression: string, timeoutMs = 10_000, what = expression): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await page.evaluate(expression).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Saves a screenshot of a failure (no checks) and rethrows. */
export async function onFailure<T>(page: Page | undefined, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (page) {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `FAILED-${name}.png`) }).catch(() => undefined);
    }
    throw err;
  }
}

/** Logs in on the console at `baseUrl` with the form, and waits for the live connection. */
export async function logInAt(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(baseUrl + '/');
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('[data-conn="open"]').waitFor();
}
