/**
 * RTP fixed header + CSRC list + header extension + padding (RFC 3550 §5.1, §5.3.1).
 *
 * Owns: turning datagram bytes into an `RtpPacket` and back. Plain data, no I/O, no clocks.
 * Why here: the socket layer (`session.ts`), the DTMF receiver, the pcap-driven tests and the
 * benches all need the same parser, and the parser must be cheap enough to run per packet:
 *  - `parseRtp` returns a fresh object (convenient; tests, tools);
 *  - `parseRtpInto` fills a caller-owned `RtpPacket` and returns an error string or `null`, so the
 *    receive path allocates nothing but the payload view (a `subarray`, never a copy);
 *  - `writeRtp` serialises into a caller-owned buffer (the session keeps a small ring of them).
 */
import { type Result, ok, err } from '../../result/index.js';

export const RTP_VERSION = 2;
export const RTP_HEADER_SIZE = 12;

export interface RtpHeaderExtension {
  /** "defined by profile" 16-bit field (0xBEDE for RFC 8285 one-byte headers). */
  profile: number;
  /** Extension body (length × 4 bytes), a view into the datagram. */
  data: Uint8Array;
}

export interface RtpPacket {
  padding: boolean;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  /** Unsigned 32-bit. */
  timestamp: number;
  /** Unsigned 32-bit. */
  ssrc: number;
  /** Contributing sources, unsigned 32-bit each (0–15 entries). */
  csrc: number[];
  extension: RtpHeaderExtension | null;
  /** Payload without padding: a view into the datagram, not a copy. */
  payload: Uint8Array;
  /** Number of padding octets that followed the payload (0 when `padding` is false). */
  paddingLength: number;
}

/** What `writeRtp`/`buildRtp` need. Omitted fields default to 0 / false / empty. */
export interface RtpFields {
  marker?: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc?: readonly number[];
  extension?: { profile: number; data: Uint8Array } | null;
  /** Pad the packet with this many octets (1–255); the last octet holds the count. */
  paddingLength?: number;
}

/** A blank packet for `parseRtpInto` to fill. */
export function emptyRtpPacket(): RtpPacket {
  return {
    padding: false,
    marker: false,
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
    csrc: [],
    extension: null,
    payload: new Uint8Array(0),
    paddingLength: 0,
  };
}

/**
 * Parse into `out`, reusing its `csrc` array. Returns `null` on success or the reason the
 * datagram is not a valid RTP packet. `out` is unspecified after a failure. `length` (default
 * the buffer's) parses a prefix: SRTP opened in place leaves the packet shorter than its buffer.
 * `views`: `buf` is a fixed receive slot and the payload view comes from its `PayloadView`.
 */
export function parseRtpInto(buf: Uint8Array, out: RtpPacket, length = buf.length, views?: PayloadView): string | null {
  const len = length;
  if (len < RTP_HEADER_SIZE) return 'too short for an RTP header';
  const b0 = buf[0]!;
  if (b0 >> 6 !== RTP_VERSION) return 'wrong version';
  const b1 = buf[1]!;
  const cc = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE + cc * 4;
  if (offset > len) return 'CSRC list exceeds packet';
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (buf[2]! << 8) | buf[3]!;
  out.timestamp = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
  out.ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
  const csrc = out.csrc;
  csrc.length = cc;
  for (let i = 0; i < cc; i++) {
    const o = RTP_HEADER_SIZE + i * 4;
    csrc[i] = ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
  }
  if (b0 & 0x10) {
    if (offset + 4 > len) return 'extension header exceeds packet';
    const profile = (buf[offset]! << 8) | buf[offset + 1]!;
    const words = (buf[offset + 2]! << 8) | buf[offset + 3]!;
    const start = offset + 4;
    offset = start + words * 4;
    if (offset > len) return 'extension body exceeds packet';
    out.extension = { profile, data: buf.subarray(start, offset) };
  } else {
    out.extension = null;
  }
  let end = len;
  out.padding = (b0 & 0x20) !== 0;
  if (out.padding) {
    const pad = buf[len - 1]!;
    if (pad === 0) return 'padding count is zero';
    if (offset + pad > len) return 'padding exceeds packet';
    end = len - pad;
    out.paddingLength = pad;
  } else {
    out.paddingLength = 0;
  }
  out.payload = views !== undefined ? views.of(offset, end) : buf.subarray(offset, end);
  return null;
}

/**
 * The payload view of a fixed receive buffer (a native ring slot), reused while the payload sits
 * at the same offsets — for G.711 every packet — so parsing allocates nothing (issue 19: the
 * `subarray` per packet was most of the media path's young garbage; docs/media-rtp.md "Pauses").
 * A view is valid until the slot's next datagram, as the slot's bytes are: consumers copy.
 */
export class PayloadView {
  private start = -1;
  private end = -1;
  private view: Uint8Array = new Uint8Array(0);

  constructor(private readonly buf: Uint8Array) {}

  /** `buf[start..end)`: the same object as last time when the offsets are the same. */
  of(start: number, end: number): Uint8Array {
    if (start !== this.start || end !== this.end) {
      this.view = this.buf.subarray(start, end);
      this.start = start;
      this.end = end;
    }
    return this.view;
  }
}

/** Parse one RTP datagram into a new packet object. */
export function parseRtp(buf: Uint8Array): Result<RtpPacket> {
  const out = emptyRtpPacket();
  const error = parseRtpInto(buf, out);
  return error === null ? ok(out) : err(error);
}

/** Bytes `writeRtp` needs for these fields and payload length. */
export function rtpPacketSize(fields: RtpFields, payloadLength: number): number {
  const cc = fields.csrc?.length ?? 0;
  const ext = fields.extension ? 4 + fields.extension.data.length : 0;
  return RTP_HEADER_SIZE + cc * 4 + ext + payloadLength + (fields.paddingLength ?? 0);
}

/**
 * Serialise into `out` at `offset`. Returns the number of bytes written, or -1 when `out` is too
 * small or a field is out of range (more than 15 CSRCs, extension not a multiple of 4 bytes,
 * padding outside 0–255). Never allocates.
 */
export function writeRtp(fields: RtpFields, payload: Uint8Array, out: Uint8Array, offset = 0): number {
  const csrc = fields.csrc;
  const cc = csrc ? csrc.length : 0;
  const ext = fields.extension ?? null;
  const pad = fields.paddingLength ?? 0;
  if (cc > 15 || pad < 0 || pad > 255 || (ext !== null && ext.data.length % 4 !== 0)) return -1;
  const size = rtpPacketSize(fields, payload.length);
  if (offset + size > out.length) return -1;
  let o = offset;
  out[o++] = (RTP_VERSION << 6) | (pad > 0 ? 0x20 : 0) | (ext !== null ? 0x10 : 0) | cc;
  out[o++] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  const seq = fields.sequenceNumber;
  out[o++] = (seq >>> 8) & 0xff;
  out[o++] = seq & 0xff;
  o = writeU32(out, o, fields.timestamp);
  o = writeU32(out, o, fields.ssrc);
  for (let i = 0; i < cc; i++) o = writeU32(out, o, csrc![i]!);
  if (ext !== null) {
    const words = ext.data.length / 4;
    out[o++] = (ext.profile >>> 8) & 0xff;
    out[o++] = ext.profile & 0xff;
    out[o++] = (words >>> 8) & 0xff;
    out[o++] = words & 0xff;
    out.set(ext.data, o);
    o += ext.data.length;
  }
  out.set(payload, o);
  o += payload.length;
  if (pad > 0) {
    out.fill(0, o, o + pad - 1);
    out[o + pad - 1] = pad;
    o += pad;
  }
  return o - offset;
}

/**
 * Serialise into `out` (reused when big enough) or a new buffer, returning a view of exactly
 * the packet's bytes.
 */
export function buildRtp(fields: RtpFields, payload: Uint8Array, out?: Uint8Array): Result<Uint8Array> {
  const size = rtpPacketSize(fields, payload.length);
  const target = out && out.length >= size ? out : new Uint8Array(size);
  const n = writeRtp(fields, payload, target, 0);
  if (n < 0) return err('invalid RTP fields');
  return ok(n === target.length ? target : target.subarray(0, n));
}

/** True when the second octet of a datagram is an RTCP packet type (RFC 5761 §4 demultiplexing). */
export function looksLikeRtcp(buf: Uint8Array): boolean {
  if (buf.length < 2) return false;
  const pt = buf[1]!;
  return pt >= 192 && pt <= 223;
}

function writeU32(out: Uint8Array, o: number, v: number): number {
  out[o] = (v >>> 24) & 0xff;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
  return o + 4;
}
