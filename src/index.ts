/** smsq's library API: queue campaigns and read their results from Node; run workers; start the simulator. */
export { createProducer } from './producer';
export type { Producer, EnqueueOptions, EnqueueResult } from './producer';
export { readRecipients, formatFromPath } from './producer/read-recipients';
export { startWorker } from './worker/worker';
export type { SmsqWorker } from './worker/worker';
export { loadConfig } from './shared/config';
export type { Config } from './shared/config';
export { createLogger } from './shared/logger';
export { SmsqError, ERROR_CODES } from './shared/errors';
export type { ErrorCode } from './shared/errors';
export * from './shared/types';
export { startSimulator } from './simulator';
export type { Simulator, SimulatorOptions, Faults, LedgerEntry } from './simulator';
export { verifyWebhook, WebhookVerificationError } from './shared/webhooks/signature';
export { WEBHOOK_EVENT_TYPES } from './shared/webhooks/events';
export type { WebhookEventType, WebhookEventData, SettledRecipient, DeliveryItem } from './shared/webhooks/events';
export type { FailedWebhook } from './producer';
