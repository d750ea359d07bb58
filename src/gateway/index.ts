/** The public surface of `src/gateway/`: other modules import from here, never from its files. */
export { Gateway } from './gateway.js';
