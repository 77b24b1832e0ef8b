#!/usr/bin/env node
// The media gateway alone (systemd's dialer-media.service): the composition
// root, and the only file of this workspace that may import stt-providers.
import { aiEventsSection, busEventSink, coreSection, createAiEventsOutbox, outboxDaemon, outboxEventSink, redactionSection, runMain } from '@dialer/core';
import { createSttStreamFactory, sttSection } from '@dialer/stt-providers';
import { mediaSection } from './config.js';
import { createMediaDaemon } from './daemon.js';

await runMain({
  name: 'media',
  sections: [coreSection, mediaSection, sttSection, aiEventsSection, redactionSection],
  create: (ctx, config) => {
    const stt = createSttStreamFactory(config.stt, { log: ctx.log, clock: ctx.clock, redaction: config.redaction });
    // Final transcripts and usage go to the API's POST /ai/events (AI_EVENTS_URL) through a durable
    // outbox; everything else is published on the bus. The outbox starts first and closes last.
    const outbox = createAiEventsOutbox(ctx, config.aiEvents);
    const sink = outboxEventSink({ outbox, next: busEventSink(ctx.bus, ctx.log), log: ctx.log });
    return [outboxDaemon(outbox), createMediaDaemon(ctx, config.media, { dataDir: config.core.dataDir, stt, sink })];
  },
});
