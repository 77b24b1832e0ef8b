#!/usr/bin/env node
import { coreSection, runMain } from '@dialer/core';
import { ariSection } from './config.js';
import { dialerSection } from './dialer/config.js';
import { createAriDaemon } from './daemon.js';

await runMain({
  name: 'ari',
  sections: [coreSection, ariSection, dialerSection],
  create: (ctx, config) => [createAriDaemon(ctx, config.ari, { dialer: config.dialer })],
});
