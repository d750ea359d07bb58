/**
 * Consent to record, failing closed (docs/privacy.md#recording):
 * - `none`: recording starts at once.
 * - `announce`: the announcement plays with barge-in off; recording starts only if it played in
 *   full. Cut short (a prompt failure) or a hang-up during it: nothing is ever recorded.
 * - `explicit`: after the announcement, the caller has `timeoutMs` to press the consent key or say
 *   the phrase; anything else (another key, silence, a hang-up) is a refusal.
 * The caller's input during consent is the consent's only: the turn loop's own listening and key
 * handling are paused meanwhile (its flags) and given back after.
 */
import type { Utterance } from '../media/index.js';
import type { Clock } from '../time/index.js';
import type { AgentCall } from './agent-call.js';
import type { AgentFlags } from './actions/index.js';
import type { CallServices } from './call-services.js';
import type { SensitiveTurns } from './sensitive-turns.js';
import type { PlayOutcome } from './speaker.js';
import { recognise } from './recognition.js';
import type { ConsentOutcome, RecordingControl } from './recording-control.js';

export interface ConsentDeps {
  call: AgentCall;
  clock: Clock;
  signal: AbortSignal;
  /** The turn loop's switches: its own listening and key handling pause during consent. */
  flags: AgentFlags;
  services: CallServices;
  sensitive: SensitiveTurns;
  speak(text: string): Promise<PlayOutcome>;
}

/** What the caller said, with the flow's phrase as the grammar. */
async function hear(d: ConsentDeps, u: Utterance, phrase: string): Promise<string | undefined> {
  const { stt, options } = await d.services.sttForTurn();
  const r = await recognise(d.sensitive.audioFor(stt, u), stt, { phrases: [phrase], engineOptions: options });
  return r.ok ? r.result.transcript : undefined;
}

const DEFAULT_ANNOUNCEMENT = 'This call may be recorded.';

export async function obtainConsent(rec: RecordingControl | undefined, d: ConsentDeps): Promise<void> {
  if (!rec) return;
  const c = rec.consent;
  if (c.mode === 'none') return rec.start('not-required');
  const saved = { stt: d.flags.sttPaused, dtmf: d.flags.dtmfPaused };
  Object.assign(d.flags, { sttPaused: true, dtmfPaused: true });
  try {
    const played = await d.speak(c.announcement ?? DEFAULT_ANNOUNCEMENT);
    if (d.signal.aborted) return rec.refuse('caller-hung-up');
    if (played !== 'done') return rec.refuse('announcement-cut');
    if (c.mode === 'announce') return rec.start('announced');
    const outcome = await explicitAgreement(d, c.key, c.phrase, c.timeoutMs);
    if (outcome === 'agreed') rec.start('agreed');
    else rec.refuse(outcome);
  } finally {
    Object.assign(d.flags, { sttPaused: saved.stt, dtmfPaused: saved.dtmf });
  }
}

function explicitAgreement(d: ConsentDeps, key: string, phrase: string | undefined, timeoutMs: number): Promise<ConsentOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (o: ConsentOutcome) => {
      if (settled) return;
      settled = true;
      d.clock.clearTimeout(timer);
      d.signal.removeEventListener('abort', onAbort);
      resolve(o);
    };
    const onAbort = () => settle('caller-hung-up');
    const timer = d.clock.setTimeout(() => settle('refused'), timeoutMs);
    d.signal.addEventListener('abort', onAbort);
    d.call.onDtmf((digit) => settle(digit === key ? 'agreed' : 'refused'));
    if (phrase) {
      const words = phrase.toLowerCase().split(/\s+/).filter(Boolean);
      d.call.media.listening = true;
      d.call.media.on('utterance', (u) => {
        if (settled) return;
        void hear(d, u, phrase).then((text) => {
          const heard = (text ?? '').toLowerCase().split(/\s+/);
          if (words.every((w) => heard.includes(w))) settle('agreed');
        });
      });
    }
  });
}
