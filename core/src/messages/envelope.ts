import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Type, type TSchema } from '@sinclair/typebox';
import { DialerError } from '../errors/index.js';
import { newId } from '../ids.js';
import { systemClock, type Clock } from '../clock.js';
import { isMessageType, MESSAGE_SCHEMAS, type MessageData, type MessageType } from './catalog.js';

/** Envelope version. Bump only for a breaking change of the envelope itself. */
export const MESSAGE_VERSION = 1 as const;

/** A message: the versioned envelope around typed data. */
export interface Message<T extends MessageType = MessageType> {
  readonly v: typeof MESSAGE_VERSION;
  /** Unique id (UUIDv7): the idempotency key for outboxes and webhooks. */
  readonly id: string;
  readonly type: T;
  /** ISO 8601 time of the event. */
  readonly time: string;
  readonly tenantId: string;
  readonly data: MessageData<T>;
  /** Node that produced it. */
  readonly source?: string;
  /** For `cmd.reply`: the id of the command answered. */
  readonly correlationId?: string;
  /** For commands: where the reply goes. */
  readonly replyTo?: string;
}

/** Any message, discriminated by `type`. */
export type AnyMessage = { [T in MessageType]: Message<T> }[MessageType];

/** Options for {@link createMessage}. */
export interface CreateMessageOptions {
  clock?: Clock;
  id?: string;
  source?: string;
  correlationId?: string;
  replyTo?: string;
}

/** Builds an envelope. The data is not validated here; producers are typed, ingress validates. */
export function createMessage<T extends MessageType>(
  type: T,
  tenantId: string,
  data: MessageData<T>,
  options: CreateMessageOptions = {},
): Message<T> {
  const now = (options.clock ?? systemClock).now();
  const msg: { -readonly [K in keyof Message<T>]: Message<T>[K] } = {
    v: MESSAGE_VERSION,
    id: options.id ?? newId(now),
    type,
    time: new Date(now).toISOString(),
    tenantId,
    data,
  };
  if (options.source !== undefined) msg.source = options.source;
  if (options.correlationId !== undefined) msg.correlationId = options.correlationId;
  if (options.replyTo !== undefined) msg.replyTo = options.replyTo;
  return msg;
}

const EnvelopeSchema = Type.Object({
  v: Type.Literal(MESSAGE_VERSION),
  id: Type.String({ minLength: 1, maxLength: 128 }),
  type: Type.String({ minLength: 1 }),
  time: Type.String({ minLength: 1 }),
  tenantId: Type.String({ minLength: 1, maxLength: 128 }),
  data: Type.Unknown(),
  source: Type.Optional(Type.String()),
  correlationId: Type.Optional(Type.String()),
  replyTo: Type.Optional(Type.String()),
});

const envelopeCheck = TypeCompiler.Compile(EnvelopeSchema);
const dataChecks = new Map<string, TypeCheck<TSchema>>();

function dataCheck(type: MessageType): TypeCheck<TSchema> {
  let c = dataChecks.get(type);
  if (!c) {
    c = TypeCompiler.Compile(MESSAGE_SCHEMAS[type] as TSchema);
    dataChecks.set(type, c);
  }
  return c;
}

/** Field errors for an invalid message, as `{ path, message }`. */
export function messageErrors(value: unknown): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const e of envelopeCheck.Errors(value)) out.push({ path: e.path, message: e.message });
  if (out.length > 0) return out;
  const m = value as { type: string; data: unknown; time: string };
  if (Number.isNaN(Date.parse(m.time))) out.push({ path: '/time', message: 'must be an ISO 8601 date-time' });
  if (!isMessageType(m.type)) {
    out.push({ path: '/type', message: `unknown message type ${JSON.stringify(m.type).slice(0, 80)}` });
    return out;
  }
  for (const e of dataCheck(m.type).Errors(m.data)) out.push({ path: `/data${e.path}`, message: e.message });
  return out;
}

/** Validates an untrusted value as a message; throws DIALER_ERR_MESSAGE_INVALID with field errors. */
export function parseMessage(value: unknown): AnyMessage {
  if (envelopeCheck.Check(value)) {
    const m = value as { type: string; data: unknown; time: string };
    if (isMessageType(m.type) && dataCheck(m.type).Check(m.data) && !Number.isNaN(Date.parse(m.time))) {
      return value as unknown as AnyMessage;
    }
  }
  throw new DialerError('DIALER_ERR_MESSAGE_INVALID', 'message does not match its schema', { details: messageErrors(value) });
}
