/**
 * One recognition: an utterance the endpointer cut is pushed frame by frame into the turn's
 * recogniser (with the dialog's grammar phrases and the call's engine options), and the result is
 * put in the shape the dialog contract carries it (`vgwSTTResponse`).
 */
import type { SttOutcome, SttResult, Stt } from '../speech/index.js';
import type { Utterance } from '../media/index.js';
import type { SttResponse } from '../dialog/index.js';
import { FRAME_SAMPLES } from '../media/index.js';

export function recognise(u: Utterance, stt: Stt, opts: { phrases?: string[]; engineOptions?: Record<string, unknown> }): Promise<SttOutcome> {
  const stream = stt.startTurn({ ...(opts.phrases?.length ? { grammar: { phrases: opts.phrases } } : {}), ...(opts.engineOptions ? { engineOptions: opts.engineOptions } : {}) });
  for (let i = 0; i + FRAME_SAMPLES <= u.audio.length; i += FRAME_SAMPLES) stream.push(u.audio.subarray(i, i + FRAME_SAMPLES));
  stream.end();
  return stream.result;
}

/**
 * `vgwSTTResponse` in the shape Watson Speech to Text returned and IBM Voice Gateway passed on
 * (docs/dialog-contract.md), so SOEs written for it read the same fields. The best alternative
 * carries the result's confidence when the engine gave none per alternative.
 */
export function sttResponseOf(r: SttResult): SttResponse {
  const alternatives = (r.alternatives.length ? r.alternatives : [{ transcript: r.transcript }]).map((a, i) => {
    const confidence = a.confidence ?? (i === 0 ? r.confidence : undefined);
    return confidence === undefined ? { transcript: a.transcript } : { transcript: a.transcript, confidence };
  });
  return { result_index: 0, results: [{ final: true, alternatives }] };
}
