/**
 * RFC 4028 session timers for an INVITE dialog, on the one Clock (`SipStack.timers`), for either
 * role. The refresher sends a refresh at half the interval; the other side ends the dialog when no
 * refresh arrived by the interval minus a grace (min(32 s, interval/3), §10).
 *
 *   negotiate(req)        as the answerer of an INVITE/UPDATE: pick interval and refresher, and
 *                         return the Session-Expires/Require headers for our 2xx (§9)
 *   adopt(res)            as the sender of an INVITE: take what the peer's 2xx decided (§7.2)
 *   arm()                 (re)start after a confirmed dialog or any successful refresh
 *   stop()
 *
 * What a refresh is (UPDATE or re-INVITE with our SDP) and how the dialog ends are the usage's,
 * through `SessionRefreshActions`.
 */
import type { SipRequest, SipResponse } from './message.js';
import type { Clock, TimerHandle } from '../time/index.js';

export interface SessionTimerPolicy {
  /** Interval we ask for when the peer gives none (seconds; 0 = no session timer). */
  sessionExpires: number;
  minSE: number;
}

export type Refresher = 'uac' | 'uas';

export interface NegotiatedSessionTimer {
  interval: number;
  refresher: Refresher;
}

export interface SessionRefreshActions {
  /** Sends a refresh; resolves with its final response (undefined: timeout or transport failure). */
  refresh(negotiated: NegotiatedSessionTimer): Promise<SipResponse | undefined>;
  /** The session expired (no refresh from the peer, or ours was refused as gone). */
  expire(): void;
}

export class DialogSessionTimer {
  negotiated?: NegotiatedSessionTimer;
  private handle?: TimerHandle;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    /** Our role in the dialog's initial INVITE: `refresher=` names a side by that role throughout the dialog. */
    private readonly ourRole: Refresher,
    private readonly policy: SessionTimerPolicy,
    private readonly actions: SessionRefreshActions,
  ) {}

  /** RFC 4028 §9: choose interval and refresher for our 2xx to `req`; the headers to add, if any. */
  negotiate(req: SipRequest): [string, string][] | undefined {
    const se = req.headers.get('Session-Expires');
    const peerSupportsTimer = /\btimer\b/i.test(req.headers.getAll('Supported').join(','));
    let interval: number;
    let refresher: Refresher;
    if (se) {
      const parsed = parseSessionExpires(se);
      interval = parsed?.interval ?? this.policy.sessionExpires;
      refresher = parsed?.refresher ?? (peerSupportsTimer ? 'uac' : 'uas');
    } else if (this.policy.sessionExpires > 0) {
      interval = this.policy.sessionExpires;
      refresher = peerSupportsTimer ? 'uac' : 'uas';
    } else return undefined;
    // A peer without the extension cannot refresh: we must.
    if (!peerSupportsTimer) refresher = this.ourRole;
    this.negotiated = { interval, refresher };
    const headers: [string, string][] = [['Session-Expires', `${interval};refresher=${refresher}`]];
    if (peerSupportsTimer) headers.push(['Require', 'timer']);
    return headers;
  }

  /** RFC 4028 §7.2: the session timer the peer's 2xx to our INVITE decided (none when absent). */
  adopt(res: SipResponse): void {
    const parsed = parseSessionExpires(res.headers.get('Session-Expires') ?? '');
    if (parsed) this.negotiated = { interval: parsed.interval, refresher: parsed.refresher ?? this.ourRole };
  }

  get weRefresh(): boolean {
    return this.negotiated?.refresher === this.ourRole;
  }

  arm(): void {
    this.clock.clearTimeout(this.handle);
    const st = this.negotiated;
    if (!st || this.stopped) return;
    if (this.weRefresh) {
      this.handle = this.clock.setTimeout(() => void this.refresh(st), (st.interval * 1000) / 2);
    } else {
      const grace = Math.min(32, st.interval / 3);
      this.handle = this.clock.setTimeout(() => this.actions.expire(), (st.interval - grace) * 1000);
    }
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.handle);
  }

  private async refresh(st: NegotiatedSessionTimer): Promise<void> {
    const res = await this.actions.refresh(st);
    if (this.stopped) return;
    // 481/408 or silence: the dialog is gone (§10); any other refusal: try again next interval.
    if (!res || res.status === 481 || res.status === 408) this.actions.expire();
    else this.arm();
  }
}

/** `1800;refresher=uac` → interval and refresher; undefined when there is no leading number. */
export function parseSessionExpires(value: string): { interval: number; refresher?: Refresher } | undefined {
  const m = /^\s*(\d+)\s*(?:;.*?refresher\s*=\s*(uac|uas))?/i.exec(value);
  if (!m) return undefined;
  return { interval: Number(m[1]), refresher: m[2]?.toLowerCase() as Refresher | undefined };
}
