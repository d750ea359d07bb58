/** The public surface of `src/tenancy/`: other modules import from here, never from its files. */
export { formatImportReport, importIbmTenants } from './ibm-import.js';
export { isDiallable, numberKey, NumberRouter } from './router.js';
export type { Route } from './router.js';
export { TenancyRouting } from './routing.js';
export { accountSchema, applicationSchema, tenancySchema } from './schema.js';
export type { AccountConfig, ApplicationConfig } from './schema.js';
export { maskSecrets } from './secrets.js';
export { accountBodySchema, applicationUpdateSchema, TenancyStore } from './tenancy-store.js';
export type { AccountRecord, ApplicationRecord, TenancyError } from './tenancy-store.js';
export { trunkSchema, accountOutboundSchema } from './outbound-config.js';
export type { TrunkConfig, AccountOutbound } from './outbound-config.js';
export { streamConfigSchema, streamIssues, STREAM_FORMATS } from './stream-config.js';
export type { StreamConfig, StreamFormat } from './stream-config.js';
