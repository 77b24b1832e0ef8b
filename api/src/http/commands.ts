import { createMessage, type CommandType, type MessageData } from '@dialer/core';
import type { Principal } from '../auth/principal.js';
import type { ApiServices } from '../services.js';

/**
 * Sends a typed command over the bus and waits for its reply. A timeout
 * becomes DIALER_ERR_BUS_TIMEOUT (504) and a coded error from the handler is
 * rethrown as is, so both reach the client in the one error shape.
 */
export async function command<T extends CommandType>(s: ApiServices, p: Principal, type: T, data: MessageData<T>): Promise<{ ok: true; result?: unknown }> {
  const result = await s.ctx.bus.request(createMessage(type, p.tenantId, data, { clock: s.ctx.clock, source: s.ctx.nodeId }), { timeoutMs: s.commandTimeoutMs });
  return result === undefined ? { ok: true } : { ok: true, result };
}

/** Copies the keys of `o` whose value is not undefined (for optional message fields under exactOptionalPropertyTypes-like schemas). */
export function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]: Exclude<T[K], undefined> };
}
