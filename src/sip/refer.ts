/**
 * Blind transfer as a usage of an established dialog (RFC 3515, RFC 3892): send REFER with
 * Refer-To and Referred-By, then follow the implicit subscription's NOTIFYs, whose
 * `message/sipfrag` bodies carry the transferee's progress (`SIP/2.0 180 Ringing`, `SIP/2.0 200 OK`),
 * until a final status says how the transfer went. The caller gets typed progress events and one
 * outcome; it never reads SIP text.
 *
 * Outcome rules (what IBM Voice Gateway did): the REFER refused with a final status ≥ 300 fails at
 * once unless that status is in `acceptCodes`; a NOTIFY with a 2xx (or an accepted code) succeeds;
 * any other final status in a NOTIFY fails; no final NOTIFY within `timeoutMs` (30 s) fails.
 */
import type { SipRequest } from './message.js';
import { systemClock, type Clock } from '../time/index.js';

/** What REFER needs of the dialog it runs in (an `InviteServerSession` has it). */
export interface ReferDialog {
  readonly dialog?: { readonly localHeader: string };
  sendInDialog(method: string, opts: { headers?: [string, string][] }): Promise<{ status: number } | undefined>;
  on(event: 'info', listener: (req: SipRequest) => void): unknown;
  off(event: 'info', listener: (req: SipRequest) => void): unknown;
}

export interface ReferOptions {
  /** sip:, sips: or tel: URI of the transfer target. */
  target: string;
  /** Extra headers on the REFER (validated by the caller: no CR/LF). */
  headers?: [string, string][];
  /** Final statuses that count as success anyway (`acceptTransferRejectCodes`). */
  acceptCodes?: readonly number[];
  timeoutMs?: number;
  clock?: Clock;
  /** Stop waiting (the call ended): the outcome is `aborted`. */
  signal?: AbortSignal;
  onProgress?: (e: ReferProgress) => void;
}

export type ReferProgress = { type: 'refer-response'; status: number } | { type: 'notify'; status: number; phrase: string };

export type ReferOutcome =
  | { ok: true; status: number; reason: string }
  | { ok: false; failure: 'refused' | 'failed' | 'no-response' | 'timeout' | 'aborted'; status?: number; reason: string };

export const REFER_TIMEOUT_MS = 30_000;

/** The status line of a `message/sipfrag` body, if it starts with one. */
export function sipfragStatus(body: string): { status: number; phrase: string } | undefined {
  const m = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/m.exec(body);
  return m ? { status: Number(m[1]), phrase: m[2]!.trim() } : undefined;
}

/** Referred-By: our own address in the dialog (the name-addr's URI part in angle brackets). */
function referredBy(localHeader: string): string {
  return /<[^>]+>/.exec(localHeader)?.[0] ?? localHeader;
}

export function refer(d: ReferDialog, o: ReferOptions): Promise<ReferOutcome> {
  const clock = o.clock ?? systemClock;
  const accepted = (status: number) => o.acceptCodes?.includes(status) ?? false;
  return new Promise<ReferOutcome>((resolve) => {
    let settled = false;
    const done = (r: ReferOutcome) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      d.off('info', onNotify);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const onNotify = (req: SipRequest) => {
      if (req.method !== 'NOTIFY' || !/refer/i.test(req.headers.get('Event') ?? '')) return;
      const frag = sipfragStatus(req.body.toString('utf8'));
      if (!frag) return;
      o.onProgress?.({ type: 'notify', ...frag });
      if (frag.status < 200) return;
      if (frag.status < 300 || accepted(frag.status)) done({ ok: true, status: frag.status, reason: `${frag.status}` });
      else done({ ok: false, failure: 'failed', status: frag.status, reason: `${frag.status} ${frag.phrase}`.trim() });
    };
    const onAbort = () => done({ ok: false, failure: 'aborted', reason: 'transfer abandoned' });
    const timer = clock.setTimeout(() => done({ ok: false, failure: 'timeout', reason: 'transfer timed out' }), o.timeoutMs ?? REFER_TIMEOUT_MS);
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    d.on('info', onNotify);
    const headers: [string, string][] = [['Refer-To', `<${o.target}>`], ['Referred-By', referredBy(d.dialog?.localHeader ?? '')], ...(o.headers ?? [])];
    void d.sendInDialog('REFER', { headers }).then((res) => {
      if (!res) return done({ ok: false, failure: 'no-response', reason: 'REFER timed out' });
      o.onProgress?.({ type: 'refer-response', status: res.status });
      if (res.status >= 300 && !accepted(res.status)) done({ ok: false, failure: 'refused', status: res.status, reason: `REFER refused: ${res.status}` });
    });
  });
}
