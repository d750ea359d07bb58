/**
 * Statistics of one received RTP stream (one remote SSRC): packets, octets, loss, jitter, the
 * last sender report, and the RTCP report block that describes them.
 *
 * Owns: the receiver side of RFC 3550 §6.4 for a single source. Composes `SequenceTracker`
 * (A.1) and `JitterEstimator` (A.8); knows nothing of sockets. Times are Unix milliseconds
 * passed in by the caller (the session's injected clock).
 */
import { SequenceTracker, JitterEstimator } from './sequence.js';
import { type ReportBlock, type RtcpSenderReport, ntpMiddle32 } from './rtcp.js';

export interface LastSenderReport {
  /** Middle 32 bits of the SR's NTP timestamp (echoed as LSR). */
  ntpMiddle: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  /** Local arrival time, Unix ms. */
  receivedAt: number;
}

export interface RtpReceiverStatsSnapshot {
  ssrc: number;
  packets: number;
  octets: number;
  /** Cumulative lost (expected − received). */
  lost: number;
  /** Cumulative loss ratio 0–1. */
  lossFraction: number;
  jitterMs: number;
  lastSr: LastSenderReport | null;
}

export class RtpReceiverStats {
  readonly sequence = new SequenceTracker(1);
  readonly jitter: JitterEstimator;
  packets = 0;
  /** Payload octets (as in the SR octet count). */
  octets = 0;
  lastSr: LastSenderReport | null = null;

  constructor(readonly ssrc: number, clockRate = 8000) {
    this.jitter = new JitterEstimator(clockRate);
  }

  /**
   * Account for one packet. `forJitter` is false for packets whose timestamp does not advance with
   * sampling time (telephone-event updates share one timestamp) so they do not inflate jitter.
   * Returns false when the sequence tracker rejects the packet (unconfirmed big jump).
   */
  onPacket(seq: number, timestamp: number, payloadOctets: number, arrivalMs: number, forJitter = true): boolean {
    const valid = this.sequence.update(seq);
    if (!valid) return false;
    this.packets++;
    this.octets += payloadOctets;
    if (forJitter) this.jitter.update(arrivalMs, timestamp);
    return true;
  }

  onSenderReport(sr: RtcpSenderReport, arrivalMs: number): void {
    this.lastSr = {
      ntpMiddle: ntpMiddle32(sr.ntpSec, sr.ntpFrac),
      rtpTimestamp: sr.rtpTimestamp,
      packetCount: sr.packetCount,
      octetCount: sr.octetCount,
      receivedAt: arrivalMs,
    };
  }

  /** Sequence restarts seen (RFC 3550 A.1 resync after a big jump). */
  get restarts(): number {
    return this.sequence.restarts;
  }

  get lost(): number {
    return this.sequence.lost;
  }

  /** The report block for our next SR/RR. Advances the fraction-lost interval. */
  reportBlock(nowMs: number): ReportBlock {
    const lsr = this.lastSr;
    return {
      ssrc: this.ssrc,
      fractionLost: this.sequence.takeFractionLost(),
      cumulativeLost: this.sequence.lost,
      highestSeq: this.sequence.extendedMax >>> 0,
      jitter: this.jitter.reportValue,
      lsr: lsr ? lsr.ntpMiddle : 0,
      dlsr: lsr ? Math.max(0, Math.round(((nowMs - lsr.receivedAt) * 65536) / 1000)) >>> 0 : 0,
    };
  }

  snapshot(): RtpReceiverStatsSnapshot {
    const expected = this.sequence.expected;
    const lost = this.sequence.lost;
    return {
      ssrc: this.ssrc,
      packets: this.packets,
      octets: this.octets,
      lost,
      lossFraction: expected > 0 ? Math.max(0, lost) / expected : 0,
      jitterMs: this.jitter.jitterMs,
      lastSr: this.lastSr,
    };
  }
}
