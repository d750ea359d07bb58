/** The public surface of `src/admin/`: other modules import from here, never from its files. */
export { ApiKeyStore } from './api-keys.js';
export { GatewayMetrics } from './metrics.js';
export { isScope, SCOPES } from './scopes.js';
export type { Scope } from './scopes.js';
export { startAdminServer } from './server.js';
export { CallStories, policyOfApplication } from './call-stories.js';
export { registerConventionalNames } from './metrics.js';
