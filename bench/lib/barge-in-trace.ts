/**
 * One caller frame as the barge-in detector judged it, for `bench/barge-in --trace` and
 * `bench/barge-in-replay --trace NAME` (one format for both): the frame as received and as judged
 * (the canceller's residual) in dBFS, the line's noise floor, the VAD, the echo verdict, the
 * canceller's trust, ERLE and the state behind it, and the detector's counts (near/span/voiced ms).
 * Read through private fields: a diagnostic of synthetic audio, never run in the gateway.
 */
import type { BargeInDetector } from '../../src/media/vad/barge-in-detector.js';
import type { EchoCanceller } from '../../src/media/vad/echo-canceller.js';
import type { EchoReference } from '../../src/media/vad/echo-reference.js';
import { frameEnergyDbfs } from '../../src/media/vad/energy-vad.js';

/** `judged`: the frame the detector was given (the residual while cancelling). */
export function traceLine(detector: BargeInDetector, judged: Int16Array, speech: boolean, noiseDb: number, fired: boolean): string {
  const d = detector as unknown as { rawDb: number; cancelling: boolean; nearMs: number; spanMs: number; voicedMs: number };
  const c = detector.canceller;
  return `${d.cancelling ? d.rawDb.toFixed(0) : '-'}/${frameEnergyDbfs(judged).toFixed(0)} n${noiseDb.toFixed(0)} ${speech ? 'S' : '.'} ${detector.lastVerdict} ${c ? `${c.trusted ? 'T' : 't'}${c.erleDb.toFixed(0)} ${cancellerState(c)}` : ''} ${d.nearMs}/${d.spanMs}/${d.voicedMs}${fired ? ' FIRE' : ''}`;
}

/** The canceller's state behind `trusted`: frames adapted where it sits, frozen by the residual rule alone, since adapting, passed through; its delay (ticks). */
function cancellerState(c: EchoCanceller): string {
  const k = c as unknown as { adaptedHere: number; stuck: number; sinceAdapted: number; lastPassed: boolean; reference: EchoReference };
  return `a${k.adaptedHere}${c.lastAdapted ? '+' : ''} s${k.stuck} i${k.sinceAdapted}${k.lastPassed ? ' P' : ''} d${c.delayTicks} sent${k.reference.at(1).toFixed(0)}@1,${k.reference.at(c.delayTicks).toFixed(0)}@d`;
}
