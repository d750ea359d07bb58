/**
 * The report part of an RTCP compound packet one `RtpSession` sends (RFC 3550 §6.4): an SR when we
 * sent RTP in the last two report intervals, else an RR; a report block about the stream we
 * receive, when there is one; then SDES with our CNAME. Pure: the session passes its state.
 */
import { ntpFromUnixMs, SDES_CNAME, type RtcpPacket } from './rtcp.js';
import type { RtpReceiverStats } from './receiver-stats.js';

export interface ReportState {
  ssrc: number;
  cname: string;
  receiver: RtpReceiverStats | null;
  /** What we sent: whether anything, when the last packet left (session ms), its wire timestamp, totals. */
  hasSent: boolean;
  lastSendAt: number;
  lastWireTs: number;
  packetsSent: number;
  octetsSent: number;
  clockRate: number;
  intervalMs: number;
}

export function reportPackets(st: ReportState, now: number): RtcpPacket[] {
  const reports = st.receiver && st.receiver.packets > 0 ? [st.receiver.reportBlock(now)] : [];
  let head: RtcpPacket;
  if (st.hasSent && now - st.lastSendAt < 2 * st.intervalMs) {
    const ntp = ntpFromUnixMs(now);
    // The RTP timestamp that corresponds to `now` on our sending clock.
    const rtpTimestamp = (st.lastWireTs + Math.round(((now - st.lastSendAt) * st.clockRate) / 1000)) >>> 0;
    head = { type: 'sr', ssrc: st.ssrc, ntpSec: ntp.sec, ntpFrac: ntp.frac, rtpTimestamp, packetCount: st.packetsSent >>> 0, octetCount: st.octetsSent >>> 0, reports };
  } else {
    head = { type: 'rr', ssrc: st.ssrc, reports };
  }
  return [head, { type: 'sdes', chunks: [{ ssrc: st.ssrc, items: [{ type: SDES_CNAME, text: st.cname }] }] }];
}
