/** The public surface of `src/config/`: other modules import from here, never from its files. */
export { ConfigError } from './errors.js';
export { loadConfig } from './load.js';
export type { Config } from './schema.js';
export { keysDirOf, nodeIdOf } from './schema.js';
