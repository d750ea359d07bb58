/** Media on worker threads: public surface of `media/worker` (docs/media-flow.md "Media workers"). */
export { FrameRing, FrameKind, ringFrame, createCallRings, attachCallRings, RING_SLOTS, type RingFrame, type CallRings, type FrameKindValue } from './frame-ring.js';
export { MediaWorkerPool, WorkerMediaHandle, resolveWorkerCount, type MediaWorkerPoolOptions, type WorkerMediaEvents } from './worker-pool.js';
export { StatsBlock, STATS_EVERY_TICKS } from './stats-block.js';
export type { NegotiatedStream, WorkerCallStats, WorkerInit } from './protocol.js';
