import { DialerError, isDialerError, type ErrorCode } from '../errors/index.js';
import { createMessage, type AnyMessage, type CommandType, type ErrorShape, type Message } from '../messages/index.js';
import { ERROR_CODES } from '../errors/codes.js';
import { NOT_MINE, type CommandHandler } from './port.js';

/** Runs a command handler and builds its `cmd.reply`, or undefined when the handler said NOT_MINE. */
export async function runCommandHandler<T extends CommandType>(
  handler: CommandHandler<T>,
  msg: Message<T>,
  source: string,
): Promise<Message<'cmd.reply'> | undefined> {
  const opts = { correlationId: msg.id, source };
  try {
    const result = await handler(msg);
    if (result === NOT_MINE) return undefined;
    const data: { ok: boolean; result?: unknown } = { ok: true };
    if (result !== undefined) data.result = result;
    return createMessage('cmd.reply', msg.tenantId, data, opts);
  } catch (err) {
    const error: ErrorShape = isDialerError(err)
      ? err.toJSON()
      : { code: 'DIALER_ERR_INTERNAL', message: (err as Error)?.message ?? String(err), retryable: false };
    return createMessage('cmd.reply', msg.tenantId, { ok: false, error }, opts);
  }
}

/** Turns a reply into the requester's result, or throws its coded error. */
export function settleReply(reply: AnyMessage): unknown {
  if (reply.type !== 'cmd.reply') throw new DialerError('DIALER_ERR_INTERNAL', `unexpected reply type ${reply.type}`);
  const data = reply.data;
  if (data.ok) return data.result;
  const e = data.error ?? { code: 'DIALER_ERR_INTERNAL', message: 'command failed', retryable: false };
  const code: ErrorCode = e.code in ERROR_CODES ? (e.code as ErrorCode) : 'DIALER_ERR_INTERNAL';
  throw new DialerError(code, e.message, { retryable: e.retryable, details: e.details });
}
