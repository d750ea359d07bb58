/** The public surface of `src/call/`: other modules import from here, never from its files. */
export type { ActiveCall, CallBehaviour } from './active-call.js';
export type { CallIdentity } from './agent-types.js';
export { agentCallOf } from './agent-call.js';
export { AgentSession } from './agent-session.js';
export type { TurnTimings } from './agent-session.js';
export { CallAudio } from './call-audio.js';
export type { CallAudioOptions } from './call-audio.js';
export type { CallEvent } from './call-events.js';
export type { ServiceBuilder } from './call-services.js';
export { InboundCalls } from './inbound-calls.js';
export type { CallMediaFactory } from './media-port.js';
export { OutboundCalls } from './outbound-calls.js';
export type { OutboundCallStatus, OutboundRefusal, PlaceCallRequest } from './outbound-calls.js';
export { streamBehaviour } from './stream/behaviour.js';
export type { CallAudioStats } from './call-audio.js';
export type { MediaStatsSnapshot } from './call-events.js';
export { mediaSnapshot } from './call-record.js';
