import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiServices } from '../services.js';
import { agentRoutes } from './agents.js';
import { apiKeyRoutes } from './api-keys.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { callbackRoutes } from './callbacks.js';
import { callRoutes } from './calls.js';
import { campaignRoutes } from './campaigns.js';
import { cdrRoutes } from './cdrs.js';
import { dispositionRoutes } from './dispositions.js';
import { disposeRoutes } from './dispose.js';
import { dncRoutes } from './dnc.js';
import { importRoutes } from './imports.js';
import { leadRoutes } from './leads.js';
import { previewRoutes } from './preview.js';
import { listRoutes } from './lists.js';
import { recordingRoutes } from './recordings.js';
import { statsRoutes } from './stats.js';
import { teamRoutes } from './teams.js';
import { tenantRoutes } from './tenants.js';
import { transcriptRoutes } from './transcripts.js';
import { userRoutes } from './users.js';
import { webhookRoutes } from './webhooks.js';
import { webrtcRoutes } from './webrtc.js';

/** Every `/api/v1` route module. */
export function v1Routes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    const modules = [
      authRoutes, tenantRoutes, userRoutes, apiKeyRoutes, teamRoutes, agentRoutes, campaignRoutes, previewRoutes, listRoutes, leadRoutes, dispositionRoutes,
      callbackRoutes, callRoutes, disposeRoutes, importRoutes, dncRoutes, cdrRoutes, transcriptRoutes, recordingRoutes, webhookRoutes, auditRoutes, statsRoutes, webrtcRoutes,
    ];
    for (const mod of modules) await app.register(mod(s));
  };
}
