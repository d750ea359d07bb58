/** The public surface of `src/fleet/`: other modules import from here, never from its files. */
export { Fleet, type FleetSettings } from './fleet.js';
export type { LocalErasure } from './erasure.js';
export type { FleetCallView, FleetNodeView, LiveCallRow, NodeFigures } from './nodes.js';
export { FLEET_CHANNEL } from './schema.js';
