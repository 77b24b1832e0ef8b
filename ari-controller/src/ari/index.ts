export * from './generated/models.js';
export { ARI_OPERATIONS, type AriOperationId, type AriOperationSpec, type AriParamSpec, type AriParamIn } from './generated/operations.js';
export * from './generated/client.js';
