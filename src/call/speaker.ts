/**
 * What a voice-agent call says: synthesises text with the call's voice and plays it (or a prompt
 * URL), resolving when the player has finished or was stopped (barge-in, hang-up). Measures the
 * turn's TTS-to-first-audio and end-to-first-audio times on the way. While a prompt plays the
 * recogniser keeps listening unless the dialog turned that off (`vgwActDisableSTTDuringPlayback`).
 */
import type { Tts } from '../speech/index.js';
import { joinUtterances } from '../speech/index.js';
import type { PlaySource } from '../media/index.js';
import type { Clock } from '../time/index.js';
import type { AgentMedia } from './agent-call.js';
import { PieceSpeech } from './piece-speech.js';

/** Turn timing fields the speaker fills in when a turn's first audio leaves. */
export interface FirstAudio {
  /** When the caller's input became final (clock.now() timeline). */
  trigger: number;
  timings: { ttsFirstAudioMs?: number; totalToFirstAudioMs?: number };
}

export interface SpeakOptions {
  voice?: string;
  cacheTimeToLiveSec?: number;
  /** Never cache this utterance (it carries caller data or the dialog said so). */
  noCache: boolean;
}

/** How a prompt ended: played in full, or stopped (barge-in, hang-up, nothing to play). */
export type PlayOutcome = 'done' | 'stopped';

/** The player reports `{ reason }`; older listeners passed the bare reason. */
function outcomeOf(r: unknown): PlayOutcome {
  const reason = typeof r === 'object' && r !== null ? (r as { reason?: unknown }).reason : r;
  return reason === 'done' ? 'done' : 'stopped';
}

export class Speaker {
  #done?: (outcome: PlayOutcome) => void;
  #closed = false;
  /** The call's own engine (one TTS socket for the whole call), closed with the call. */
  private readonly tts: Tts;

  constructor(
    private readonly media: AgentMedia,
    private readonly appTts: Tts,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
    /** Whether the recogniser listens while this prompt plays. */
    private readonly listenWhilePlaying: () => boolean,
  ) {
    this.tts = appTts.forCall?.() ?? appTts;
    media.on('playbackFinished', (r) => {
      const done = this.#done;
      this.#done = undefined;
      done?.(outcomeOf(r));
    });
  }

  /**
   * Speak a turn's utterances. Any of them may be SSML (IBM dialogs wrap answers in `<speak>` or
   * `<prosody>`): the engine then gets one SSML document — Watson takes it as is, plain-text engines
   * interpret it — and no tag is ever read out.
   */
  async speak(texts: string | readonly string[], opts: SpeakOptions, first?: FirstAudio): Promise<PlayOutcome> {
    const { text, ssml } = joinUtterances(typeof texts === 'string' ? [texts] : texts);
    if (this.#closed || !text.trim()) return 'stopped';
    const started = this.clock.now();
    const { tts, clock, signal } = this;
    let pending = first;
    const chunks = (async function* () {
      for await (const chunk of tts.synthesize({ text, ssml, voice: opts.voice, noCache: opts.noCache, cacheTimeToLiveSec: opts.cacheTimeToLiveSec, signal })) {
        if (pending) {
          pending.timings.ttsFirstAudioMs = Math.round(clock.now() - started);
          pending.timings.totalToFirstAudioMs = Math.round(clock.now() - pending.trigger);
          pending = undefined;
        }
        yield chunk;
      }
    })();
    return this.play({ kind: 'stream', chunks, sampleRate: 8000 });
  }

  /**
   * A reply that arrives piece by piece (piece-speech.ts): `speech.add()` each piece as it
   * completes; playout starts with the first piece's first chunk; `played` resolves when the last
   * piece has played (after `speech.end()`) or playout was stopped. `signal` cancels the pending
   * synthesis (barge-in), besides the call's own.
   */
  speakPieces(signal: AbortSignal, first?: FirstAudio): { speech: PieceSpeech; played: Promise<PlayOutcome> } {
    const speech = new PieceSpeech(this.tts, this.clock, AbortSignal.any([this.signal, signal]), first);
    return { speech, played: this.play({ kind: 'stream', chunks: speech.audio(), sampleRate: 8000 }) };
  }

  play(source: PlaySource): Promise<PlayOutcome> {
    return new Promise((resolve) => {
      if (this.#closed) return resolve('stopped');
      const prev = this.#done;
      this.#done = (outcome) => {
        prev?.(outcome);
        resolve(outcome);
      };
      this.media.listening = this.listenWhilePlaying();
      this.media.play(source);
    });
  }

  /** The call ended: stop playout and release whoever waits for it. */
  close(): void {
    this.#closed = true;
    this.media.stopPlayback();
    if (this.tts !== this.appTts) void this.tts.close().catch(() => undefined);
    const done = this.#done;
    this.#done = undefined;
    done?.('stopped');
  }
}
