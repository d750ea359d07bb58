/** The public surface of `src/media/`: other modules import from here, never from its files. */
export type { DtmfEvent } from './dtmf/event.js';
export { buildSipInfoDtmf, parseSipInfoDtmf } from './dtmf/sip-info.js';
export { FRAME_MS, FRAME_SAMPLES } from './frames.js';
export { ALAW_DECODE, alawDecode, alawEncode, ULAW_DECODE, ulawDecode, ulawEncode, ulawFromPcm } from './g711.js';
export { concealFrame, JitterBuffer } from './jitter-buffer.js';
export type { JitterStats } from './jitter-buffer.js';
export { Player } from './player/index.js';
export type { PlayerOptions, PlaySource } from './player/index.js';
export { PortPool } from './port-pool.js';
export { RtpSession } from './rtp/session.js';
export type { RtpSessionStats, SrtpTransform } from './rtp/session.js';
export { PlayoutScheduler } from './scheduler.js';
export { createSrtpContexts } from './srtp/index.js';
export { Endpointer } from './vad/endpointer.js';
export type { EndpointerOptions, Utterance } from './vad/endpointer.js';
export { parseWav, writeWav } from './wav.js';
export { SAMPLE_RATE } from './frames.js';
