import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** The bus type of the controller's heartbeat. */
export const CONTROLLER_HEARTBEAT = 'ari.controller.heartbeat';

/** One Asterisk server as the controller that drives it sees it. */
export const AsteriskServerState = Type.Object({
  /** The ARI_SERVERS id (`default` for the single ARI_URL server). */
  id: Type.String({ minLength: 1, maxLength: 64 }),
  /** The ARI base URL, never with credentials. */
  url: Type.String({ maxLength: 512 }),
  /** The events WebSocket is open. */
  connected: Type.Boolean(),
  /** A resync finished since the latest (re)connect. */
  synced: Type.Optional(Type.Boolean()),
  /** `system.entity_id` and `system.version` of GET /ari/asterisk/info. */
  asteriskId: Type.Optional(Type.String({ maxLength: 64 })),
  version: Type.Optional(Type.String({ maxLength: 64 })),
  /** When it last connected or lost the connection. */
  sinceMs: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Why it is not connected (coded error and message; no credentials). */
  lastError: Type.Optional(Type.String({ maxLength: 512 })),
  /** Calls this controller has up on that server. */
  calls: Type.Optional(Type.Integer({ minimum: 0 })),
});

/**
 * `ari.controller.heartbeat`: what each ARI controller node publishes every
 * `intervalMs` (tenant `system`, like the gateways' heartbeat), so the API
 * can show the controllers and the Asterisk servers behind them. The API
 * validates it here, at its edge: the type is not in core's catalog yet, so
 * the bus delivers it untyped.
 */
export const ControllerHeartbeat = Type.Object({
  /** NODE_ID of the controller. */
  nodeId: Type.String({ minLength: 1, maxLength: 128 }),
  /** A change means the controller restarted. */
  startedAtMs: Type.Integer({ minimum: 0 }),
  /** The beat interval: 3 missed beats mark the controller stale. */
  intervalMs: Type.Integer({ minimum: 1 }),
  /** The Stasis application (ARI_APP). */
  app: Type.Optional(Type.String({ maxLength: 64 })),
  /** Shutting down: no new calls. */
  draining: Type.Boolean(),
  /** Calls in flight on this controller. */
  activeCalls: Type.Integer({ minimum: 0 }),
  servers: Type.Array(AsteriskServerState, { maxItems: 64 }),
});
export type ControllerHeartbeat = Static<typeof ControllerHeartbeat>;

const check = TypeCompiler.Compile(ControllerHeartbeat);

/** The heartbeat's data when it is well-formed; undefined otherwise (a malformed beat is ignored, not trusted). */
export function parseControllerHeartbeat(data: unknown): ControllerHeartbeat | undefined {
  return check.Check(data) ? data : undefined;
}
