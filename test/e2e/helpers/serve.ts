// A composition root for the browser tests: the daemons of `npm start`, but
// only those named in E2E_DAEMONS (default: all), so a test can stand in for
// a daemon on the shared Redis bus. Run it as its own process.
import { coreSection, runMain, type Daemon } from '@dialer/core';
import { apiSection, createApiDaemon } from '@dialer/api';
import { ariSection, createAriDaemon } from '@dialer/ari-controller';
import { mediaSection, createMediaDaemon } from '@dialer/media-gateway';
import * as sttProviders from '@dialer/stt-providers';

const wanted = new Set((process.env['E2E_DAEMONS'] ?? 'media,ari,api').split(',').map((s) => s.trim()));

await runMain({
  name: 'e2e',
  sections: [coreSection, apiSection, ariSection, mediaSection, sttProviders.sttSection],
  create: (ctx, config) => {
    const out: Daemon[] = [];
    if (wanted.has('media')) {
      const stt = sttProviders.createSttStreamFactory(config.stt, { log: ctx.log.child({ component: 'stt' }), clock: ctx.clock });
      out.push(createMediaDaemon(ctx, config.media, { dataDir: config.core.dataDir, sharedMetrics: true, stt }));
    }
    if (wanted.has('ari')) out.push(createAriDaemon(ctx, config.ari));
    if (wanted.has('api')) out.push(createApiDaemon(ctx, config.api, config.core));
    return out;
  },
});
