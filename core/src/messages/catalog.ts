import type { Static, TSchema } from '@sinclair/typebox';
import { CallMessages } from './call.js';
import { CommandMessages } from './commands.js';
import { DialerMessages } from './dialer.js';
import { MediaMessages } from './media.js';
import { TranscriptMessages } from './transcript.js';

/** Every message type that crosses daemons, with the schema of its `data`. */
export const MESSAGE_SCHEMAS = {
  ...CallMessages,
  ...TranscriptMessages,
  ...MediaMessages,
  ...DialerMessages,
  ...CommandMessages,
} as const satisfies Record<string, TSchema>;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;
/** The `data` of message type `T`. */
export type MessageData<T extends MessageType> = Static<(typeof MESSAGE_SCHEMAS)[T]>;
/** Command types (answered with `cmd.reply`). */
export type CommandType = Extract<MessageType, `cmd.${string}`>;
/** Event types (everything that is not a command). */
export type EventType = Exclude<MessageType, CommandType>;

/** True when `t` names a known message type. */
export function isMessageType(t: string): t is MessageType {
  return Object.prototype.hasOwnProperty.call(MESSAGE_SCHEMAS, t);
}
