import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { applyDisposition, createMessage, DialerError, type MessageData } from '@dialer/core';
import { audit } from '../http/audit.js';
import { OPERATORS, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, NumOrNull, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleCall } from './calls.js';

/** Disposing of a call: the code goes to the call, its CDR and lead (DNC, callback, recycle), then `lead.disposed` is published. */
export function disposeRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/calls/:id/disposition',
      {
        config: rule(OPERATORS, 'calls:write'),
        schema: {
          tags: ['calls'],
          summary: 'Dispose of a call (agents: their own calls)',
          description: 'A DNC code adds the number to the tenant\'s (or campaign\'s) DNC list; a callback code needs `callbackAt`; a final code closes the lead; others recycle it.',
          params: IdParams,
          body: Type.Object(
            {
              code: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }),
              notes: Type.Optional(Type.String({ maxLength: 5000 })),
              callbackAt: Type.Optional(Type.Integer({ description: 'Epoch ms, for callback codes.' })),
              callbackScope: Type.Optional(Type.Union([Type.Literal('agent'), Type.Literal('anyone')])),
              dncScope: Type.Optional(Type.Union([Type.Literal('tenant'), Type.Literal('campaign')])),
            },
            { additionalProperties: false },
          ),
          response: replies(
            Type.Object({
              callId: Type.String(),
              leadId: NumOrNull,
              campaignId: StrOrNull,
              code: Type.String(),
              leadStatus: StrOrNull,
              nextCallAfter: NumOrNull,
              callbackId: StrOrNull,
              dncAdded: Type.Boolean(),
              sale: Type.Boolean(),
            }),
          ),
        },
      },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        const call = await visibleCall(db, access, req.params.id);
        const b = req.body;
        const agentId = p.role === 'agent' ? p.agentId : call.agent_id;
        const r = await applyDisposition(s.ctx.store, {
          tenantId: p.tenantId,
          callId: call.id,
          code: b.code,
          agentId,
          notes: b.notes ?? null,
          nowMs: now,
          ...(b.callbackAt !== undefined ? { callbackAtMs: b.callbackAt } : {}),
          ...(b.callbackScope ? { callbackScope: b.callbackScope } : {}),
          ...(b.dncScope ? { dncScope: b.dncScope } : {}),
        });
        if (r.leadId !== null && r.campaignId !== null) {
          const data: MessageData<'lead.disposed'> = { leadId: r.leadId, callId: r.callId, campaignId: r.campaignId, disposition: r.code };
          if (agentId) data.agentId = agentId;
          if (b.notes) data.notes = b.notes;
          if (b.callbackAt !== undefined && r.callbackId) data.callbackAtMs = b.callbackAt;
          await s.ctx.bus.publish(createMessage('lead.disposed', p.tenantId, data, { clock: s.ctx.clock, source: s.ctx.nodeId }));
        } else if (r.campaignId === null) {
          throw new DialerError('DIALER_ERR_INTERNAL', 'disposition applied to a call without a campaign');
        }
        await audit(db, req, p, { action: 'call.disposed', entity: 'call', entityId: call.id, after: { code: r.code, leadStatus: r.leadStatus, dncAdded: r.dncAdded }, now });
        return { callId: r.callId, leadId: r.leadId, campaignId: r.campaignId, code: r.code, leadStatus: r.leadStatus, nextCallAfter: r.nextCallAfterMs, callbackId: r.callbackId, dncAdded: r.dncAdded, sale: r.sale };
      },
    );
  };
}
