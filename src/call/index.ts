/** The public surface of `src/call/`: other modules import from here, never from its files. */
export type { CallBehaviour } from './active-call.js';
export { agentCallOf } from './agent-call.js';
export { AgentSession } from './agent-session.js';
export type { TurnTimings } from './agent-session.js';
export { CallAudio } from './call-audio.js';
export type { CallAudioOptions } from './call-audio.js';
export type { CallEvent } from './call-events.js';
export type { ServiceBuilder } from './call-services.js';
export { InboundCalls } from './inbound-calls.js';
export type { CallMediaFactory } from './media-port.js';
export type { ActiveCall } from './active-call.js';
export { CallRecording } from './call-recording.js';
export type { RecordingControl } from './recording-control.js';
export type { CallAudioStats } from './call-audio.js';
export type { MediaStatsSnapshot } from './call-events.js';
export { mediaSnapshot } from './call-record.js';
