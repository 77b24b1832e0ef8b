#!/usr/bin/env node
// One process, every daemon: the embedded default behind `npm start`.
// It is the only place (with each daemon's own main.ts) that composes the
// workspaces; the daemons never import each other.
import {
  aiEventsSection,
  busEventSink,
  coreSection,
  createAiEventIngest,
  createAiEventsOutbox,
  outboxDaemon,
  outboxEventSink,
  redactionSection,
  runMain,
} from '@dialer/core';
import { aiEventsOptionsFromConfig, apiSection, createApiDaemon } from '@dialer/api';
import { ariSection, createAriDaemon, dialerSection } from '@dialer/ari-controller';
import { mediaSection, createMediaDaemon } from '@dialer/media-gateway';
import { createSttStreamFactory, sttSection } from '@dialer/stt-providers';

await runMain({
  name: 'all',
  sections: [coreSection, apiSection, ariSection, dialerSection, mediaSection, sttSection, aiEventsSection, redactionSection],
  // Start order: media first (so taps have somewhere to go), then the controller, then the API.
  create: (ctx, config) => {
    // Final transcripts and usage reach the API through a durable outbox: signed HTTP to
    // AI_EVENTS_URL when it is set, otherwise straight into the API's ingest in this process
    // (no secret needed). The outbox starts first and closes last, so it drains what the gateway sent.
    const ingest = createAiEventIngest({ store: ctx.store, bus: ctx.bus, log: ctx.log, clock: ctx.clock, redaction: config.redaction });
    const outbox = createAiEventsOutbox(ctx, config.aiEvents, { local: (msg) => ingest.ingest(msg) });
    return [
      outboxDaemon(outbox),
      // sharedMetrics: the gateway's metrics go on the default registry, which the API serves on /metrics.
      createMediaDaemon(ctx, config.media, {
        dataDir: config.core.dataDir,
        sharedMetrics: true,
        stt: createSttStreamFactory(config.stt, { log: ctx.log, clock: ctx.clock, redaction: config.redaction }),
        sink: outboxEventSink({ outbox, next: busEventSink(ctx.bus, ctx.log), log: ctx.log }),
      }),
      createAriDaemon(ctx, config.ari, { dialer: config.dialer }),
      // The core settings give the API Redis (REDIS_URL) for counters shared by every API node.
      createApiDaemon(ctx, config.api, config.core, aiEventsOptionsFromConfig(config)),
    ];
  },
});
