/**
 * One log line per interval about peers we dropped without answering (requests from outside
 * `sip.allowFrom`, connections refused at accept or closed by a deadline). Silence towards the
 * peer defeats scanners and reflection, but an operator with a misconfigured trunk needs a signal:
 * this line (reason, transport, the first source address seen, how many more since the last line)
 * and the metrics. Rate-limited so a flood cannot flood the log.
 */
import type { Logger } from 'pino';

export class DropLog {
  private lastAt = -Infinity;
  private suppressed = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  note(reason: string, transport: string, address: string): void {
    const t = this.now();
    if (t - this.lastAt < this.intervalMs) {
      this.suppressed.set(reason, (this.suppressed.get(reason) ?? 0) + 1);
      return;
    }
    const since = Object.fromEntries(this.suppressed);
    this.suppressed = new Map();
    this.lastAt = t;
    this.log.warn(
      { reason, transport, source: address, droppedSinceLastLine: since },
      reason === 'allowlist' ? 'SIP from a source outside sip.allowFrom dropped without an answer' : 'SIP connection dropped',
    );
  }
}
