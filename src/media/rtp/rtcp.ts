/**
 * RTCP packets (RFC 3550 §6.4–6.6): SR, RR, SDES (CNAME and other items), BYE, parsed from and
 * built into compound packets. Anything else (APP, XR, feedback) is kept as opaque bytes.
 *
 * Owns: bytes ↔ `RtcpPacket[]` and the NTP time helpers the report fields use. No I/O and no
 * statistics (those live in `receiver-stats.ts`); the session composes them.
 * Validation follows RFC 3550 A.2: every packet version 2, lengths add up exactly to the
 * datagram, padding only on the last packet. The "first packet must be SR/RR" rule is relaxed
 * (reduced-size RTCP, RFC 5506, sends a lone packet of any type).
 */
import { type Result, ok, err } from '../../result/index.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

export const SDES_CNAME = 1;

export interface ReportBlock {
  /** Source this block reports on. */
  ssrc: number;
  /** Fraction lost since the previous report, 8-bit fixed point (lost/expected × 256). */
  fractionLost: number;
  /** Cumulative packets lost, signed 24-bit. */
  cumulativeLost: number;
  /** Extended highest sequence number received. */
  highestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from the source (0 if none). */
  lsr: number;
  /** Delay since that SR, in 1/65536 s (0 if none). */
  dlsr: number;
}

export interface RtcpSenderReport {
  type: 'sr';
  ssrc: number;
  /** NTP timestamp, seconds since 1900 (unsigned 32-bit). */
  ntpSec: number;
  /** NTP timestamp, fraction of a second (unsigned 32-bit). */
  ntpFrac: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
}

export interface RtcpReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}

export interface SdesItem {
  /** Item type (1 CNAME, 2 NAME, ... 8 PRIV). */
  type: number;
  text: string;
}

export interface SdesChunk {
  ssrc: number;
  items: SdesItem[];
}

export interface RtcpSdes {
  type: 'sdes';
  chunks: SdesChunk[];
}

export interface RtcpBye {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}

export interface RtcpOther {
  type: 'other';
  packetType: number;
  /** The 5-bit count/subtype field. */
  count: number;
  /** Body after the 4-byte common header (a view, not a copy). */
  body: Uint8Array;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSdes | RtcpBye | RtcpOther;

// ---------- NTP time ----------

/** Seconds between 1900-01-01 (NTP epoch) and 1970-01-01 (Unix epoch). */
const NTP_UNIX_OFFSET = 2208988800;

/** Unix milliseconds → 64-bit NTP timestamp as two unsigned 32-bit halves. */
export function ntpFromUnixMs(ms: number): { sec: number; frac: number } {
  const secs = Math.floor(ms / 1000);
  const frac = Math.floor(((ms - secs * 1000) / 1000) * 0x100000000);
  return { sec: (secs + NTP_UNIX_OFFSET) >>> 0, frac: frac >>> 0 };
}

/** Middle 32 bits of an NTP timestamp (the LSR form), in 1/65536 s. */
export function ntpMiddle32(sec: number, frac: number): number {
  return (((sec & 0xffff) << 16) | (frac >>> 16)) >>> 0;
}

/** Middle 32 bits of the NTP time of a Unix-ms instant. */
export function ntpMiddle32FromUnixMs(ms: number): number {
  const t = ntpFromUnixMs(ms);
  return ntpMiddle32(t.sec, t.frac);
}

/**
 * Round-trip time from a report block we received (RFC 3550 §6.4.1): A − LSR − DLSR, where A is
 * the middle 32 bits of the NTP time the report arrived. Returns milliseconds, or `null` when the
 * block carries no LSR or the result is negative (clock trouble).
 */
export function rttFromReportBlock(block: ReportBlock, arrivalUnixMs: number): number | null {
  if (block.lsr === 0) return null;
  const a = ntpMiddle32FromUnixMs(arrivalUnixMs);
  const rtt = (a - block.lsr - block.dlsr) | 0;
  if (rtt < 0) return null;
  return (rtt * 1000) / 65536;
}

// ---------- parse ----------

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function parseReportBlocks(b: Uint8Array, o: number, count: number, end: number): ReportBlock[] | null {
  if (o + count * 24 > end) return null;
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++, o += 24) {
    let lost = (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!;
    if (lost & 0x800000) lost -= 0x1000000;
    reports.push({
      ssrc: u32(b, o),
      fractionLost: b[o + 4]!,
      cumulativeLost: lost,
      highestSeq: u32(b, o + 8),
      jitter: u32(b, o + 12),
      lsr: u32(b, o + 16),
      dlsr: u32(b, o + 20),
    });
  }
  return reports;
}

const utf8 = new TextDecoder();

function parseSdes(b: Uint8Array, o: number, count: number, end: number): RtcpSdes | null {
  const chunks: SdesChunk[] = [];
  for (let c = 0; c < count; c++) {
    if (o + 4 > end) return null;
    const chunk: SdesChunk = { ssrc: u32(b, o), items: [] };
    o += 4;
    for (;;) {
      if (o >= end) return null;
      const type = b[o]!;
      if (type === 0) {
        // End of item list: skip the null octet and pad to the next 32-bit boundary.
        o += 1;
        o = (o + 3) & ~3;
        break;
      }
      if (o + 2 > end) return null;
      const len = b[o + 1]!;
      if (o + 2 + len > end) return null;
      chunk.items.push({ type, text: utf8.decode(b.subarray(o + 2, o + 2 + len)) });
      o += 2 + len;
    }
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}

/**
 * Parse a compound RTCP datagram. Fails (as a value) on anything that does not add up; the
 * offsets used above are relative to the start of `buf`, which must begin a packet.
 */
export function parseRtcp(buf: Uint8Array): Result<RtcpPacket[]> {
  const packets: RtcpPacket[] = [];
  let o = 0;
  if (buf.length < 4) return err('too short for RTCP');
  while (o < buf.length) {
    if (o + 4 > buf.length) return err('truncated RTCP header');
    const b0 = buf[o]!;
    if (b0 >> 6 !== 2) return err('wrong version');
    const padding = (b0 & 0x20) !== 0;
    const count = b0 & 0x1f;
    const pt = buf[o + 1]!;
    const words = (buf[o + 2]! << 8) | buf[o + 3]!;
    const next = o + 4 + words * 4;
    if (next > buf.length) return err('RTCP length exceeds datagram');
    let end = next;
    if (padding) {
      if (next !== buf.length) return err('padding on a packet that is not last');
      const pad = buf[next - 1]!;
      if (pad === 0 || o + 4 + pad > next) return err('bad RTCP padding');
      end = next - pad;
    }
    const body = o + 4;
    switch (pt) {
      case RTCP_SR: {
        if (body + 24 > end) return err('SR too short');
        const reports = parseReportBlocks(buf, body + 24, count, end);
        if (!reports) return err('SR report blocks exceed packet');
        packets.push({
          type: 'sr',
          ssrc: u32(buf, body),
          ntpSec: u32(buf, body + 4),
          ntpFrac: u32(buf, body + 8),
          rtpTimestamp: u32(buf, body + 12),
          packetCount: u32(buf, body + 16),
          octetCount: u32(buf, body + 20),
          reports,
        });
        break;
      }
      case RTCP_RR: {
        if (body + 4 > end) return err('RR too short');
        const reports = parseReportBlocks(buf, body + 4, count, end);
        if (!reports) return err('RR report blocks exceed packet');
        packets.push({ type: 'rr', ssrc: u32(buf, body), reports });
        break;
      }
      case RTCP_SDES: {
        const sdes = parseSdes(buf, body, count, end);
        if (!sdes) return err('malformed SDES');
        packets.push(sdes);
        break;
      }
      case RTCP_BYE: {
        if (body + count * 4 > end) return err('BYE SSRC list exceeds packet');
        const ssrcs: number[] = [];
        for (let i = 0; i < count; i++) ssrcs.push(u32(buf, body + i * 4));
        const r = body + count * 4;
        const bye: RtcpBye = { type: 'bye', ssrcs };
        if (r < end) {
          const len = buf[r]!;
          if (r + 1 + len > end) return err('BYE reason exceeds packet');
          bye.reason = utf8.decode(buf.subarray(r + 1, r + 1 + len));
        }
        packets.push(bye);
        break;
      }
      default:
        if (pt < 192 || pt > 223) return err('not an RTCP packet type');
        packets.push({ type: 'other', packetType: pt, count, body: buf.subarray(body, end) });
    }
    o = next;
  }
  return ok(packets);
}

// ---------- build ----------

const utf8e = new TextEncoder();

function packetSize(p: RtcpPacket): number {
  switch (p.type) {
    case 'sr':
      return 28 + p.reports.length * 24;
    case 'rr':
      return 8 + p.reports.length * 24;
    case 'sdes': {
      let n = 4;
      for (const c of p.chunks) {
        let len = 4;
        for (const it of c.items) len += 2 + Math.min(255, utf8e.encode(it.text).length);
        len += 1; // null item
        n += (len + 3) & ~3;
      }
      return n;
    }
    case 'bye': {
      let n = 4 + p.ssrcs.length * 4;
      if (p.reason !== undefined) n += (1 + Math.min(255, utf8e.encode(p.reason).length) + 3) & ~3;
      return n;
    }
    case 'other':
      return 4 + ((p.body.length + 3) & ~3);
  }
}

function putU32(b: Uint8Array, o: number, v: number): number {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
  return o + 4;
}

function putHeader(b: Uint8Array, o: number, count: number, pt: number, size: number): number {
  b[o] = 0x80 | (count & 0x1f);
  b[o + 1] = pt;
  const words = size / 4 - 1;
  b[o + 2] = (words >>> 8) & 0xff;
  b[o + 3] = words & 0xff;
  return o + 4;
}

function putReports(b: Uint8Array, o: number, reports: readonly ReportBlock[]): number {
  for (const r of reports) {
    o = putU32(b, o, r.ssrc);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
    o = putU32(b, o, ((r.fractionLost & 0xff) << 24) | lost);
    o = putU32(b, o, r.highestSeq);
    o = putU32(b, o, r.jitter);
    o = putU32(b, o, r.lsr);
    o = putU32(b, o, r.dlsr);
  }
  return o;
}

/** Serialise packets as one compound datagram. At most 31 report blocks/chunks/SSRCs each. */
export function buildRtcp(packets: readonly RtcpPacket[]): Result<Uint8Array> {
  let total = 0;
  for (const p of packets) {
    const n = p.type === 'sr' || p.type === 'rr' ? p.reports.length : p.type === 'sdes' ? p.chunks.length : p.type === 'bye' ? p.ssrcs.length : 0;
    if (n > 31) return err('more than 31 entries in one RTCP packet');
    total += packetSize(p);
  }
  const b = new Uint8Array(total);
  let o = 0;
  for (const p of packets) {
    const size = packetSize(p);
    const start = o;
    switch (p.type) {
      case 'sr':
        o = putHeader(b, o, p.reports.length, RTCP_SR, size);
        o = putU32(b, o, p.ssrc);
        o = putU32(b, o, p.ntpSec);
        o = putU32(b, o, p.ntpFrac);
        o = putU32(b, o, p.rtpTimestamp);
        o = putU32(b, o, p.packetCount);
        o = putU32(b, o, p.octetCount);
        o = putReports(b, o, p.reports);
        break;
      case 'rr':
        o = putHeader(b, o, p.reports.length, RTCP_RR, size);
        o = putU32(b, o, p.ssrc);
        o = putReports(b, o, p.reports);
        break;
      case 'sdes':
        o = putHeader(b, o, p.chunks.length, RTCP_SDES, size);
        for (const c of p.chunks) {
          const chunkStart = o;
          o = putU32(b, o, c.ssrc);
          for (const it of c.items) {
            const text = utf8e.encode(it.text).subarray(0, 255);
            b[o++] = it.type;
            b[o++] = text.length;
            b.set(text, o);
            o += text.length;
          }
          o += 1; // null item (buffer is zero-filled)
          o = chunkStart + ((o - chunkStart + 3) & ~3);
        }
        break;
      case 'bye':
        o = putHeader(b, o, p.ssrcs.length, RTCP_BYE, size);
        for (const s of p.ssrcs) o = putU32(b, o, s);
        if (p.reason !== undefined) {
          const text = utf8e.encode(p.reason).subarray(0, 255);
          b[o++] = text.length;
          b.set(text, o);
        }
        break;
      case 'other':
        o = putHeader(b, o, p.count, p.packetType, size);
        b.set(p.body, o);
        break;
    }
    o = start + size;
  }
  return ok(b);
}

/** The CNAME of the first SDES chunk for `ssrc`, if any. */
export function findCname(packets: readonly RtcpPacket[], ssrc: number): string | undefined {
  for (const p of packets) {
    if (p.type !== 'sdes') continue;
    for (const c of p.chunks) {
      if (c.ssrc !== ssrc) continue;
      const item = c.items.find((i) => i.type === SDES_CNAME);
      if (item) return item.text;
    }
  }
  return undefined;
}
