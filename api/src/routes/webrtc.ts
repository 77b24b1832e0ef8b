import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DialerError, newId } from '@dialer/core';
import { command, defined } from '../http/commands.js';
import { OPERATORS, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, noContent, replies } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleCall } from './calls.js';

const tags = ['webrtc'];

/**
 * WebRTC signalling for the console's softphone: the browser's SDP offer goes
 * to the media gateways as `cmd.media.webrtc.offer`; the answering gateway's
 * SDP comes back. Agents open their own softphone; supervisors open a leg on a
 * call they may monitor.
 */
export function webrtcRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  // Session ids carry a MAC of their tenant, so any API node can tell whose a session is without shared state.
  const newSession = (tenantId: string): string => {
    const id = newId(s.ctx.clock.now());
    return `${id}.${s.tokens.mac(`${tenantId}:${id}`)}`;
  };
  const ownsSession = (sessionId: string, tenantId: string): boolean => {
    const dot = sessionId.indexOf('.');
    return dot > 0 && s.tokens.checkMac(`${tenantId}:${sessionId.slice(0, dot)}`, sessionId.slice(dot + 1));
  };
  return async (app) => {
    app.post(
      '/webrtc/offer',
      {
        config: rule(OPERATORS, 'calls:write'),
        schema: {
          tags,
          summary: 'Send a browser SDP offer; get the media gateway\'s answer',
          body: Type.Object(
            {
              sdp: Type.String({ minLength: 10, maxLength: 65536 }),
              role: Type.Optional(Type.Union([Type.Literal('agent'), Type.Literal('supervisor')], { description: 'Default: agent for agents, supervisor otherwise.' })),
              callId: Type.Optional(Type.String({ description: 'For a supervisor leg: the call to join.' })),
              sessionId: Type.Optional(Type.String({ minLength: 8, maxLength: 64, description: 'Re-offer (ICE restart) on an existing session.' })),
            },
            { additionalProperties: false },
          ),
          response: replies(Type.Object({ sessionId: Type.String(), sdp: Type.String(), legId: Type.Optional(Type.String()) })),
        },
      },
      async (req) => {
        const { p, db, access } = scopeOf(req, s);
        const role = req.body.role ?? (p.role === 'agent' ? 'agent' : 'supervisor');
        if (role === 'agent' && !p.agentId) throw new DialerError('DIALER_ERR_FORBIDDEN', 'only an agent opens an agent softphone');
        if (role === 'supervisor') {
          if (p.role === 'agent') throw new DialerError('DIALER_ERR_FORBIDDEN', 'agents cannot open supervisor legs');
          if (req.body.callId) await visibleCall(db, access, req.body.callId);
        }
        if (req.body.sessionId !== undefined && !ownsSession(req.body.sessionId, p.tenantId)) throw new DialerError('DIALER_ERR_NOT_FOUND', `session ${req.body.sessionId} not found`);
        const sessionId = req.body.sessionId ?? newSession(p.tenantId);
        const out = await command(
          s,
          p,
          'cmd.media.webrtc.offer',
          defined({ sessionId, role, sdp: req.body.sdp, agentId: role === 'agent' ? (p.agentId ?? undefined) : undefined, userId: p.userId ?? undefined, callId: req.body.callId }),
        );
        const r = out.result as { sdp?: unknown; legId?: unknown } | undefined;
        if (!r || typeof r.sdp !== 'string') throw new DialerError('DIALER_ERR_MEDIA_NO_GATEWAY', 'the media gateway did not answer with an SDP');
        return typeof r.legId === 'string' ? { sessionId, sdp: r.sdp, legId: r.legId } : { sessionId, sdp: r.sdp };
      },
    );

    app.delete('/webrtc/sessions/:id', { config: rule(OPERATORS, 'calls:write'), schema: { tags, summary: 'Close a softphone session', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p } = scopeOf(req, s);
      if (!ownsSession(req.params.id, p.tenantId)) throw new DialerError('DIALER_ERR_NOT_FOUND', `session ${req.params.id} not found`);
      await command(s, p, 'cmd.media.webrtc.close', { sessionId: req.params.id });
      return reply.code(204).send(null);
    });
  };
}
