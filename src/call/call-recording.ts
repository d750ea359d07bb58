/**
 * `CallRecording`: one call's recording, captured in memory on the media scheduler's timeline and
 * handed to storage (src/recordings/, sealed there) when the call ends.
 *
 * - Nothing is captured until consent says so (`start`); `refuse` makes that final. A call that
 *   ends before either is `caller-hung-up` and stores nothing.
 * - Caller frames (`frame`) and our own (`sent`) are filed by their 20 ms slot from the moment
 *   capture started: mono mixes both, stereo puts the caller left and the agent right.
 * - A pause (dialog, admin API, or the sensitive switch — subscribed here, so it takes effect the
 *   instant the switch flips) leaves its slots silent: the file keeps the call's length, and the
 *   pause is listed with its offsets and reasons, so a listener knows the silence is not the call's.
 * - Memory is bounded by `maxSeconds` (the application's `maxCallSeconds`): past it nothing more is kept.
 */
import { randomUUID } from 'node:crypto';
import { FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE } from '../media/index.js';
import { writeWav } from '../media/index.js';
import type { SensitiveState } from './sensitive-state.js';
import type { RecordedAudio } from '../recordings/index.js';
import type { ConsentOutcome, PauseReason, RecordingConsentSettings, RecordingControl, RecordingPause, RecordingSummary } from './recording-control.js';

export type { RecordedAudio };

export interface CallRecordingOptions {
  channels: 'mono' | 'stereo';
  consent: RecordingConsentSettings;
  maxSeconds: number;
  /** Where a finished recording goes (sealed and stored); a failure is reported in the summary's `error` via `onStoreError`. */
  store: (audio: RecordedAudio) => Promise<void>;
  onStoreError?: (err: unknown) => void;
}

/** The call's audio as the recorder needs it: caller frames and the frames we sent (CallAudio). */
export interface AudioSource {
  on(event: 'frame' | 'sent', listener: (frame: Int16Array, deadlineMs: number) => void): unknown;
  off(event: 'frame' | 'sent', listener: (frame: Int16Array, deadlineMs: number) => void): unknown;
}

export class CallRecording implements RecordingControl {
  readonly consent: RecordingConsentSettings;
  readonly #id = randomUUID();
  #outcome: ConsentOutcome;
  #capturing = false;
  #finished = false;
  #origin: number | undefined;
  #slots = 0;
  readonly #maxSlots: number;
  #caller = new Int16Array(0);
  #agent = new Int16Array(0);
  readonly #reasons = new Set<PauseReason>();
  readonly #pauses: RecordingPause[] = [];
  #error: string | undefined;
  readonly #onFrame = (f: Int16Array, deadline: number) => this.#file(f, deadline, 'caller');
  readonly #onSent = (f: Int16Array, deadline: number) => this.#file(f, deadline, 'agent');

  constructor(
    private readonly media: AudioSource,
    private readonly sensitive: SensitiveState,
    private readonly opts: CallRecordingOptions,
  ) {
    this.consent = opts.consent;
    this.#outcome = opts.consent.mode === 'none' ? 'not-required' : 'pending';
    this.#maxSlots = Math.ceil((opts.maxSeconds * 1000) / FRAME_MS);
    sensitive.on('change', (c) => (c.on ? this.pause('sensitive') : this.resume('sensitive')));
    if (sensitive.active) this.#reasons.add('sensitive');
  }

  get paused(): boolean {
    return this.#reasons.size > 0;
  }

  start(outcome: ConsentOutcome): void {
    if (this.#capturing || this.#finished || this.#outcome === 'refused') return;
    this.#outcome = outcome;
    this.#capturing = true;
    if (this.paused) this.#pauses.push({ fromMs: 0, reasons: [...this.#reasons] });
    this.media.on('frame', this.#onFrame);
    this.media.on('sent', this.#onSent);
  }

  refuse(outcome: ConsentOutcome): void {
    if (this.#capturing || this.#finished) return;
    this.#outcome = outcome;
    this.#finished = true;
  }

  pause(reason: PauseReason): void {
    const was = this.paused;
    this.#reasons.add(reason);
    if (!this.#capturing) return;
    if (!was) this.#pauses.push({ fromMs: this.#nowSlot() * FRAME_MS, reasons: [reason] });
    else {
      const open = this.#pauses.at(-1);
      if (open && open.toMs === undefined && !open.reasons.includes(reason)) open.reasons.push(reason);
    }
  }

  resume(reason: PauseReason): void {
    if (!this.#reasons.delete(reason) || this.paused || !this.#capturing) return;
    const open = this.#pauses.at(-1);
    if (open && open.toMs === undefined) open.toMs = this.#nowSlot() * FRAME_MS;
  }

  /** The call ended: capture stops and what was captured goes to storage. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (!this.#capturing) {
      if (this.#outcome === 'pending') this.#outcome = 'caller-hung-up';
      return;
    }
    this.#capturing = false;
    this.media.off('frame', this.#onFrame);
    this.media.off('sent', this.#onSent);
    const open = this.#pauses.at(-1);
    if (open && open.toMs === undefined) open.toMs = this.#slots * FRAME_MS;
    const audio: RecordedAudio = {
      id: this.#id, wav: this.#wav(), durationMs: this.#slots * FRAME_MS, channels: this.opts.channels,
      pauses: this.#pauses.map((p) => ({ ...p, reasons: [...p.reasons] })), consent: this.consent.mode, outcome: this.#outcome,
    };
    this.#caller = new Int16Array(0);
    this.#agent = new Int16Array(0);
    this.opts.store(audio).catch((err: unknown) => {
      this.#error = 'store-failed';
      this.opts.onStoreError?.(err);
    });
  }

  summary(): RecordingSummary {
    const recorded = this.#slots > 0 || this.#capturing;
    return {
      consent: this.consent.mode, outcome: this.#outcome, recorded,
      ...(recorded ? { recordingId: this.#id, durationMs: this.#slots * FRAME_MS } : {}),
      pauses: this.#pauses.map((p) => ({ ...p, reasons: [...p.reasons] })),
      ...(this.#error ? { error: this.#error } : {}),
    };
  }

  /** The slot of the latest frame filed (pauses start and end there). */
  #nowSlot(): number {
    return this.#slots;
  }

  #file(frame: Int16Array, deadline: number, side: 'caller' | 'agent'): void {
    this.#origin ??= deadline;
    const slot = Math.round((deadline - this.#origin) / FRAME_MS);
    if (slot < 0 || slot >= this.#maxSlots) return;
    if (slot + 1 > this.#slots) this.#slots = slot + 1;
    if (this.paused) return; // the slot stays silent
    const buf = this.#ensure(side, (slot + 1) * FRAME_SAMPLES);
    buf.set(frame.subarray(0, FRAME_SAMPLES), slot * FRAME_SAMPLES);
  }

  #ensure(side: 'caller' | 'agent', samples: number): Int16Array {
    let buf = side === 'caller' ? this.#caller : this.#agent;
    if (buf.length < samples) {
      const grown = new Int16Array(Math.min(this.#maxSlots * FRAME_SAMPLES, Math.max(samples, buf.length * 2, SAMPLE_RATE * 10)));
      grown.set(buf);
      buf = grown;
      if (side === 'caller') this.#caller = buf;
      else this.#agent = buf;
    }
    return buf;
  }

  #wav(): Uint8Array {
    const n = this.#slots * FRAME_SAMPLES;
    const at = (b: Int16Array, i: number) => (i < b.length ? b[i]! : 0);
    if (this.opts.channels === 'mono') {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.max(-32768, Math.min(32767, at(this.#caller, i) + at(this.#agent, i)));
      return writeWav(out, SAMPLE_RATE, 1);
    }
    const out = new Int16Array(n * 2);
    for (let i = 0; i < n; i++) {
      out[2 * i] = at(this.#caller, i);
      out[2 * i + 1] = at(this.#agent, i);
    }
    return writeWav(out, SAMPLE_RATE, 2);
  }
}
