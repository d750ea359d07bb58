/**
 * Partial transcripts to a dialog that asked for them (a webhook's `partialResultUrl`; docs/call.md
 * "Partial transcripts to the dialog"). EarlyTurnEnd offers each partial hypothesis it sees (a pause
 * decode, a streaming recogniser's interim); this class decides whether it may go, gates it, and
 * paces the requests: at most one in flight per call, a newer partial replaces the one waiting, and
 * the end of the utterance drops what still waits (the turn itself is on its way). A failed request
 * is counted, never retried, and never stops the call. The text is never logged.
 */
import type { Logger } from 'pino';
import type { PartialRequest } from '../dialog/index.js';
import type { PartialsOut } from './early-end.js';

export interface PartialSink {
  /** Does the call's current dialog take partials at all? (Asked before a pause is decoded for one.) */
  wanted(): boolean;
  /** The request for this text, gated for the current dialog, or undefined when it may not go. */
  request(text: string): Omit<PartialRequest, 'sequence'> | undefined;
  send(req: PartialRequest, signal: AbortSignal): Promise<void>;
}

export class PartialTranscripts implements PartialsOut {
  readonly counts = { sent: 0, dropped: 0, failed: 0 };
  private sequence = 0;
  private inFlight = false;
  private waiting?: Omit<PartialRequest, 'sequence'> | undefined;
  /** The gated text last sent (or waiting) in this utterance: an unchanged hypothesis is not sent again. */
  private last = '';

  constructor(
    private readonly sink: PartialSink,
    private readonly signal: AbortSignal,
    private readonly log: Logger,
  ) {}

  wanted(): boolean {
    return this.sink.wanted();
  }

  /** A partial hypothesis of the utterance in progress. */
  offer(text: string): void {
    if (this.signal.aborted) return;
    const req = this.sink.request(text);
    if (!req) return void this.counts.dropped++;
    if (req.input.text === this.last) return;
    this.last = req.input.text;
    if (this.waiting) this.counts.dropped++;
    this.waiting = req;
    this.pump();
  }

  /** The utterance ended (its turn goes to the dialog): what still waits is stale. */
  utteranceEnded(): void {
    if (this.waiting) this.counts.dropped++;
    this.waiting = undefined;
    this.last = '';
  }

  /** The call ended: how many partials went, were dropped and failed (counts only, never text). */
  report(): void {
    const { sent, dropped, failed } = this.counts;
    if (sent + dropped + failed > 0) this.log.info({ partials: { sent, dropped, failed } }, 'partial transcripts');
  }

  private pump(): void {
    if (this.inFlight || !this.waiting || this.signal.aborted) return;
    const req: PartialRequest = { ...this.waiting, sequence: ++this.sequence };
    this.waiting = undefined;
    this.inFlight = true;
    this.sink.send(req, this.signal).then(
      () => void this.counts.sent++,
      (err: unknown) => {
        this.counts.failed++;
        if (!this.signal.aborted) this.log.debug({ sequence: req.sequence, kind: (err as { kind?: string }).kind ?? 'internal' }, 'partial transcript not delivered');
      },
    ).finally(() => {
      this.inFlight = false;
      this.pump();
    });
  }
}
