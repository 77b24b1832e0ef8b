export * from './common.js';
export { CallMessages } from './call.js';
export { TranscriptMessages, TranscriptSegment, Word } from './transcript.js';
export { MediaMessages, LegStats } from './media.js';
export { DialerMessages, CampaignStats, CampaignHistoryPoint } from './dialer.js';
export { CommandMessages } from './commands.js';
export { MESSAGE_SCHEMAS, isMessageType, type MessageType, type MessageData, type CommandType, type EventType } from './catalog.js';
export {
  createMessage,
  parseMessage,
  messageErrors,
  MESSAGE_VERSION,
  type Message,
  type AnyMessage,
  type CreateMessageOptions,
} from './envelope.js';
