/**
 * Limits on inbound stream connections (TCP, TLS): who may open one, how many at once, and how
 * long a connection may sit without doing SIP work. Hostile peers otherwise hold file
 * descriptors and memory for free (issue 14 item 5: 3,000 idle TCP connections, half-open TLS
 * handshakes kept for minutes). Connections we open ourselves are not limited here.
 *
 * `ConnectionGate` decides at accept time, before a byte is read or a TLS handshake starts:
 * source allowlist first, then the global cap, then the per-source cap.
 */

export interface ConnectionLimits {
  /** Inbound connections open at once over all sources (each costs a file descriptor). */
  maxConnections: number;
  /** Inbound connections open at once from one source address. */
  maxConnectionsPerSource: number;
  /**
   * A connection must deliver a complete message within this long of being accepted (after the
   * TLS handshake), and a message once begun must be complete within this long (slowloris).
   */
  headerTimeoutMs: number;
  /** TLS: the handshake must be finished within this long of the TCP accept. */
  handshakeTimeoutMs: number;
  /** An inbound connection carrying no dialog or transaction and no message for this long is closed. */
  idleTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 1024,
  maxConnectionsPerSource: 64,
  headerTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
};

export type RefusalReason = 'allowlist' | 'global-cap' | 'per-source-cap';
export type ClosureReason = 'header-timeout' | 'handshake-timeout' | 'idle' | 'framing' | 'allowlist';

export interface ConnectionCounters {
  accepted: number;
  refused: Record<RefusalReason, number>;
  closed: Record<ClosureReason, number>;
}

export function emptyConnectionCounters(): ConnectionCounters {
  return {
    accepted: 0,
    refused: { allowlist: 0, 'global-cap': 0, 'per-source-cap': 0 },
    closed: { 'header-timeout': 0, 'handshake-timeout': 0, idle: 0, framing: 0, allowlist: 0 },
  };
}

/** `::ffff:192.0.2.1` → `192.0.2.1`, so a v4 peer on a dual-stack socket counts as one source. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export class ConnectionGate {
  private open = 0;
  private readonly bySource = new Map<string, number>();

  constructor(private readonly limits: ConnectionLimits) {}

  get openCount(): number {
    return this.open;
  }

  /** Why a new connection from `address` must be refused, or undefined when it may be taken. */
  check(address: string, allowed: boolean): RefusalReason | undefined {
    if (!allowed) return 'allowlist';
    if (this.open >= this.limits.maxConnections) return 'global-cap';
    if ((this.bySource.get(address) ?? 0) >= this.limits.maxConnectionsPerSource) return 'per-source-cap';
    return undefined;
  }

  take(address: string): void {
    this.open++;
    this.bySource.set(address, (this.bySource.get(address) ?? 0) + 1);
  }

  release(address: string): void {
    this.open--;
    const n = (this.bySource.get(address) ?? 1) - 1;
    if (n <= 0) this.bySource.delete(address);
    else this.bySource.set(address, n);
  }
}
