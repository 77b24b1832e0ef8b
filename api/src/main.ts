#!/usr/bin/env node
import { aiEventsSection, coreSection, redactionSection, runMain } from '@dialer/core';
import { apiSection } from './config.js';
import { createApiDaemon } from './daemon.js';
import { aiEventsOptionsFromConfig } from './routes/ai-events.js';

await runMain({
  name: 'api',
  sections: [coreSection, apiSection, aiEventsSection, redactionSection],
  create: (ctx, config) => [createApiDaemon(ctx, config.api, config.core, aiEventsOptionsFromConfig(config))],
});
