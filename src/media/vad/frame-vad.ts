/**
 * The frame-level speech decision the Endpointer asks for every 20 ms frame, and the choice between
 * the two implementations: `energy` (EnergyVad: energy over an adaptive noise floor, ~1 µs a frame)
 * and `silero` (SileroVad: the Silero neural VAD on onnxruntime-node, which tells speech from
 * loud non-speech — babble, clicks, music — at a CPU cost; docs/media-flow.md "VAD").
 *
 * A VAD is stateful and belongs to one stream, so the Endpointer takes a factory and makes its own.
 * Loading the Silero model is asynchronous and may fail; `loadFrameVadFactory` does it once, at
 * start, so a call never waits for it.
 */
import { EnergyVad, type VadOptions } from './energy-vad.js';
import { loadSileroModel } from './silero-model.js';
import { SileroVad, type SileroVadOptions } from './silero-vad.js';

export interface FrameVad {
  /** Classify one 20 ms PCM16 frame (8 kHz). `inSpeech`: the caller is in an utterance (a lower bar to stay). */
  isSpeech(frame: Int16Array, inSpeech: boolean): boolean;
  /** Forget the stream (a new one begins). */
  reset(): void;
  /** Frames by which a "speech" decision may lag the audio that caused it (barge-in-detector.ts counts them back); 0 when absent. */
  readonly decisionLagFrames?: number;
}

export type FrameVadFactory = () => FrameVad;

export const VAD_KINDS = ['energy', 'silero'] as const;
export type VadKind = (typeof VAD_KINDS)[number];

export interface FrameVadTuning {
  energy?: VadOptions;
  silero?: SileroVadOptions;
}

/** A factory for `kind`; for `silero` the model is loaded (once per process) first, and a load failure rejects. */
export async function loadFrameVadFactory(kind: VadKind, tuning: FrameVadTuning = {}): Promise<FrameVadFactory> {
  if (kind === 'energy') return () => new EnergyVad(tuning.energy);
  const model = await loadSileroModel();
  return () => new SileroVad(model, tuning.silero);
}

/** One VAD of `kind` (benches, tests): `await createFrameVad('silero')`. */
export async function createFrameVad(kind: VadKind, tuning: FrameVadTuning = {}): Promise<FrameVad> {
  return (await loadFrameVadFactory(kind, tuning))();
}
