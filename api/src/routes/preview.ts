import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DialerError, nextPreviewLead, preparePreviewDial, recordPreviewDial, skipPreviewLead, type PreviewLead, type Role } from '@dialer/core';
import type { Principal } from '../auth/principal.js';
import { audit } from '../http/audit.js';
import { command } from '../http/commands.js';
import { rule, scopeOf } from '../http/route-kit.js';
import { IdParams, MsOrNull, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleCampaign } from './campaigns.js';
import { Lead, toLead } from './leads.js';

/** Preview dialling is what an agent does at its own phone. */
const AGENT_ONLY: readonly Role[] = ['agent'];

const PreviewReply = Type.Object({
  lead: Type.Union([Lead, Type.Null()], { description: 'The lead reserved for the agent, or null when no lead may be called now.' }),
  dialPhone: StrOrNull,
  callback: Type.Union([Type.Object({ id: Type.String(), dueAt: Type.Integer(), notes: StrOrNull, agentOnly: Type.Boolean() }), Type.Null()]),
  reservedUntil: MsOrNull,
});
const LeadBody = Type.Object({ leadId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
const SkipReply = Type.Object({ leadId: Type.Integer(), nextCallAfter: Type.Integer() });
const DialReply = Type.Object({ ok: Type.Literal(true), result: Type.Optional(Type.Unknown()) });

function toPreview(p: PreviewLead | null) {
  if (!p) return { lead: null, dialPhone: null, callback: null, reservedUntil: null };
  return { lead: toLead(p.lead), dialPhone: p.dialPhone, callback: p.callback, reservedUntil: p.reservedUntil };
}

const tags = ['campaigns'];

/**
 * Preview mode: the agent sees the next lead of a preview campaign, then dials
 * or skips it. The lead is reserved for the agent through the hopper
 * (`claimed_by = agent:<id>`); dialling goes to the call controller as a
 * manual originate with the agent, and the dialer settles the lead when the
 * call ends.
 */
export function previewRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    /** The agent and its campaign (one it is assigned to), or 404. */
    const context = async (req: FastifyRequest, id: string): Promise<{ p: Principal; agentId: string; campaignId: string; now: number; db: ReturnType<typeof scopeOf>['db'] }> => {
      const { p, db, access, now } = scopeOf(req, s);
      if (!p.agentId) throw new DialerError('DIALER_ERR_FORBIDDEN', 'this user has no agent row');
      const c = await visibleCampaign(db, access, id);
      return { p, agentId: p.agentId, campaignId: c.id, now, db };
    };

    app.post(
      '/campaigns/:id/preview/next',
      {
        config: rule(AGENT_ONLY, 'leads:write'),
        schema: {
          tags,
          summary: 'Preview mode: reserve and show the agent\'s next lead',
          description:
            'The campaign must be running in `preview` mode. Due callbacks (the agent\'s own or for anyone) come first, then the hopper\'s next lead in the campaign\'s order; it passed the call-window, attempt-cap and DNC checks. The lead stays reserved for the agent for 15 minutes; asking again returns the same lead. `lead: null` when none may be called now.',
          params: IdParams,
          response: replies(PreviewReply),
        },
      },
      async (req) => {
        const { p, agentId, campaignId, now, db } = await context(req, req.params.id);
        const shown = await nextPreviewLead(s.ctx.store, { tenantId: p.tenantId, campaignId, agentId, nowMs: now });
        if (shown) await audit(db, req, p, { action: 'lead.preview', entity: 'lead', entityId: String(shown.lead.id), after: { campaignId, agentId }, now });
        return toPreview(shown);
      },
    );

    app.post(
      '/campaigns/:id/preview/skip',
      {
        config: rule(AGENT_ONLY, 'leads:write'),
        schema: {
          tags,
          summary: 'Preview mode: skip the reserved lead',
          description: 'The lead goes back to the hopper and is not offered again for 10 minutes (a callback stays pending). 409 DIALER_ERR_CONFLICT when the agent does not hold that lead.',
          params: IdParams,
          body: LeadBody,
          response: replies(SkipReply),
        },
      },
      async (req) => {
        const { p, agentId, campaignId, now, db } = await context(req, req.params.id);
        const r = await skipPreviewLead(s.ctx.store, { tenantId: p.tenantId, campaignId, agentId, leadId: req.body.leadId, nowMs: now });
        await audit(db, req, p, { action: 'lead.preview.skip', entity: 'lead', entityId: String(r.leadId), after: { campaignId, agentId, nextCallAfter: r.nextCallAfter }, now });
        return r;
      },
    );

    app.post(
      '/campaigns/:id/preview/dial',
      {
        config: rule(AGENT_ONLY, 'calls:write'),
        schema: {
          tags,
          summary: 'Preview mode: dial the reserved lead',
          description:
            'Checks the lead again (call window, attempt caps, DNC: 403 DIALER_ERR_CALL_WINDOW or DIALER_ERR_DNC, the lead going back to the hopper), then sends `cmd.call.originate` with the agent, the campaign and the lead, like a manual dial, and counts the attempt. When the call ends, the dialer recycles the lead (busy, no answer...) or waits for the agent\'s disposition.',
          params: IdParams,
          body: LeadBody,
          response: replies(DialReply, 202),
        },
      },
      async (req, reply) => {
        const { p, agentId, campaignId, now, db } = await context(req, req.params.id);
        const dial = await preparePreviewDial(s.ctx.store, { tenantId: p.tenantId, campaignId, agentId, leadId: req.body.leadId, nowMs: now });
        const out = await command(s, p, 'cmd.call.originate', { phone: dial.phone, campaignId, leadId: dial.leadId, agentId });
        await recordPreviewDial(s.ctx.store, { tenantId: p.tenantId, campaignId, agentId, nowMs: now, dial });
        await audit(db, req, p, { action: 'call.originate', entity: 'call', entityId: null, after: { campaignId, leadId: dial.leadId, agentId, preview: true }, now });
        return reply.code(202).send(out);
      },
    );
  };
}
