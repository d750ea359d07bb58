/**
 * Public surface of the events module: schemas, the privacy gate seam, per-call report
 * controls, the outbox, sinks, webhook signatures, config, and the assembled `EventForwarding`.
 */
export * from './schemas.js';
export * from './gate.js';
export * from './call-report.js';
export * from './backoff.js';
export * from './outbox-store.js';
export * from './outbox.js';
export * from './payload-cipher.js';
export * from './delivery-worker.js';
export * from './metrics.js';
export * from './config.js';
export * from './forwarding.js';
export * from './webhook-signature.js';
export * from './sinks/types.js';
export { CouchDbSink, type CouchAuth, type CouchDbSinkOptions } from './sinks/couchdb.js';
export { SplunkHecSink, type SplunkHecSinkOptions } from './sinks/splunk-hec.js';
export { WebhookSink, type WebhookSinkOptions } from './sinks/webhook.js';
export { openOutboxesForErasure } from './local-erasure.js';
export type { LocalOutboxConfig } from './local-erasure.js';
