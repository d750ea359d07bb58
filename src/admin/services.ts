/**
 * What the admin routes work with. Every part is optional so the server starts with whatever the
 * gateway runs; a route whose part is missing answers 503 `not_available` (it is still served and
 * documented, so the API's shape does not depend on the deployment).
 */
import type { Registry } from 'prom-client';
import type { TenancyStore } from '../tenancy/index.js';
import type { Store } from '../store/index.js';
import type { RegionStores } from '../store/index.js';
import type { Eraser } from '../training/index.js';
import type { TrainingReader } from '../training/index.js';
import type { ApiKeyStore } from './api-keys.js';
import type { ReceiptStore } from '../receipts/index.js';
import type { RecordingService } from '../recordings/index.js';
import type { OutboxDepth } from './metrics.js';
import type { OutboundCallsApi } from './routes/outbound-calls.js';
import type { CallAudioStats } from '../call/index.js';
import type { CallStories } from './call-stories.js';
import type { KeyRateLimiter } from './rate-limit.js';
import type { FleetView } from './routes/fleet.js';

/** The parts of a live call the API reads (structurally what `InboundCalls.calls` holds). */
export interface LiveCallSource {
  info: { callId: string; accountId: string; applicationId: string; startedAt: number; answeredAt?: number; audio?: { codec: string } };
  route: { dialled: string };
  session: { state: string; readonly callerUser: string | undefined };
  /** Live audio statistics (the story's media quality while the call lasts). */
  media?: { stats(): CallAudioStats };
  /** Hang up from the gateway's side (the operator's act; the CDR says local-bye). */
  hangup?(reason?: 'local-bye'): Promise<void>;
}

export interface AdminTraining {
  stores: RegionStores;
  eraser: Eraser;
  reader: TrainingReader;
}

/** Privacy receipts (one signed chain per region) and call recordings. */
export interface AdminRecords {
  chains: ReadonlyMap<string, ReceiptStore>;
  recordings: RecordingService;
  /** A call in progress, for pausing and resuming its recording. */
  liveCall: (callId: string) => { info: { accountId: string }; recording?: { readonly paused: boolean; pause(reason: 'admin'): void; resume(reason: 'admin'): void } } | undefined;
}

export interface AdminServices {
  registry: Registry;
  ready: () => boolean;
  tenancy?: TenancyStore;
  keys?: ApiKeyStore;
  /** The control region's store: the admin audit log. Defaults to the tenancy store's. */
  auditStore?: Store;
  training?: AdminTraining;
  calls?: () => Iterable<LiveCallSource>;
  /** Outbound calling (POST /v1/calls). */
  outbound?: OutboundCallsApi;
  /** Live and recent calls' timelines, gated for the operator (call-stories.ts). */
  stories?: CallStories;
  outbox?: () => Promise<OutboxDepth[]>;
  records?: AdminRecords;
  /** Where the region receipt keys live (`<dataDir>/keys/receipts`). */
  dataDir?: string;
  now?: () => number;
  /** Per-key rate limiting shared by a fleet; default: this process's own buckets (`admin.rateLimit`). */
  limiter?: KeyRateLimiter;
  /** The fleet's nodes and calls, when this node is part of one (`/v1/fleet/*`). */
  fleet?: FleetView;
  /** This process's name (`node.id`), for `/v1/node` when it is not in a fleet. */
  nodeId?: string;
}
