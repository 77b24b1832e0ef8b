import { openStore, type Store } from '@dialer/core';
import { launchBrowser, type TestBrowser } from './browser.js';
import { seedCallCenter, type Seeded } from './seed.js';
import { StandInController } from './standin-controller.js';
import { ADMIN, buildConsole, Rest, startStack, type Stack } from './stack.js';

/** A stack whose call controller the test plays on a shared Redis bus, seeded with a small call center, and a browser. */
export interface StandInWorld {
  stack: Stack;
  admin: Rest;
  tenantId: string;
  seed: Seeded;
  ctl: StandInController;
  /** The stack's store (also the stand-in's, which owns the `calls` rows). */
  store: Store;
  browser: TestBrowser;
  close(): Promise<void>;
}

/** Builds the console, starts `daemons` (default: the API and the media gateway) beside a stand-in controller, seeds and opens a browser. */
export async function startStandInWorld(daemons = 'media,api'): Promise<StandInWorld> {
  buildConsole();
  let tenantId = '';
  const s = await StandInController.start(() => tenantId);
  const ctl = s.controller;
  const parts: { stack?: Stack; store?: Store; browser?: TestBrowser } = {};
  const close = async () => {
    await parts.browser?.close();
    await parts.stack?.stop();
    await parts.store?.close();
    await ctl.close();
  };
  try {
    const stack = (parts.stack = await startStack({ REDIS_URL: s.redisUrl, BUS_PREFIX: s.prefix }, daemons));
    const admin = new Rest(stack.url);
    tenantId = (await admin.login(ADMIN.email, ADMIN.password)).user.tenantId;
    const seed = await seedCallCenter(admin);
    const store = (parts.store = ctl.store = await openStore({ dataDir: stack.dataDir }));
    const browser = (parts.browser = await launchBrowser());
    return { stack, admin, tenantId, seed, ctl, store, browser, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
