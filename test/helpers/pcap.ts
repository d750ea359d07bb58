/**
 * Classic pcap reader (libpcap format, not pcapng) that returns the UDP datagrams of a capture.
 *
 * Owns: capture bytes → `{ timeMs, src, dst, payload }` for tests that replay real
 * RTP (SIPp's `/usr/share/sip-tester/*.pcap`, captures from the field). Test-only: nothing in src/ reads captures.
 * Handles both byte orders, micro- and nanosecond timestamps, link types Ethernet (with VLAN
 * tags), Linux cooked (SLL, SLL2), raw IP and BSD loopback; IPv4 and IPv6 (no extension
 * headers). Packets that are not UDP, IPv4 fragments and truncated frames are counted as skipped.
 */
import { type Result, ok, err } from '../../src/result/index.js';

export interface PcapUdpDatagram {
  /** Capture time, Unix ms (fractional). */
  timeMs: number;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  /** UDP payload, a view into the capture buffer. */
  payload: Uint8Array;
}

export interface PcapCapture {
  linkType: number;
  datagrams: PcapUdpDatagram[];
  /** Records that were not UDP over IP (or were fragments / truncated). */
  skipped: number;
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_RAW_OPENBSD = 12;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;

export function parsePcap(buf: Uint8Array): Result<PcapCapture> {
  if (buf.length < 24) return err('too short for a pcap header');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magicBE = view.getUint32(0, false);
  let little: boolean;
  let nanos: boolean;
  if (magicBE === 0xa1b2c3d4 || magicBE === 0xa1b23c4d) {
    little = false;
    nanos = magicBE === 0xa1b23c4d;
  } else {
    const magicLE = view.getUint32(0, true);
    if (magicLE !== 0xa1b2c3d4 && magicLE !== 0xa1b23c4d) return err('not a classic pcap file (pcapng is not supported)');
    little = true;
    nanos = magicLE === 0xa1b23c4d;
  }
  const linkType = view.getUint32(20, little) & 0xffff;
  const datagrams: PcapUdpDatagram[] = [];
  let skipped = 0;
  let o = 24;
  while (o + 16 <= buf.length) {
    const sec = view.getUint32(o, little);
    const sub = view.getUint32(o + 4, little);
    const incl = view.getUint32(o + 8, little);
    const start = o + 16;
    const end = start + incl;
    if (end > buf.length) return err('truncated record');
    const timeMs = sec * 1000 + (nanos ? sub / 1e6 : sub / 1e3);
    const d = decodeFrame(buf, view, start, end, linkType, little);
    if (d === null) skipped++;
    else {
      d.timeMs = timeMs;
      datagrams.push(d);
    }
    o = end;
  }
  return ok({ linkType, datagrams, skipped });
}

function decodeFrame(buf: Uint8Array, view: DataView, o: number, end: number, linkType: number, little: boolean): PcapUdpDatagram | null {
  let etherType: number;
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      if (o + 14 > end) return null;
      etherType = view.getUint16(o + 12);
      o += 14;
      while ((etherType === 0x8100 || etherType === 0x88a8) && o + 4 <= end) {
        etherType = view.getUint16(o + 2);
        o += 4;
      }
      break;
    }
    case LINKTYPE_LINUX_SLL:
      if (o + 16 > end) return null;
      etherType = view.getUint16(o + 14);
      o += 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (o + 20 > end) return null;
      etherType = view.getUint16(o);
      o += 20;
      break;
    case LINKTYPE_NULL: {
      if (o + 4 > end) return null;
      const family = view.getUint32(o, little);
      etherType = family === 2 ? ETHERTYPE_IPV4 : family === 24 || family === 28 || family === 30 ? ETHERTYPE_IPV6 : 0;
      o += 4;
      break;
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_OPENBSD:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      if (o >= end) return null;
      etherType = buf[o]! >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
      break;
    default:
      return null;
  }
  let srcAddr: string;
  let dstAddr: string;
  let udp: number;
  let ipEnd = end;
  if (etherType === ETHERTYPE_IPV4) {
    if (o + 20 > end || buf[o]! >> 4 !== 4) return null;
    const ihl = (buf[o]! & 0x0f) * 4;
    const totalLength = view.getUint16(o + 2);
    const frag = view.getUint16(o + 6) & 0x3fff; // MF flag + fragment offset
    if (buf[o + 9] !== 17 || frag !== 0 || ihl < 20) return null;
    ipEnd = Math.min(end, o + totalLength);
    srcAddr = `${buf[o + 12]}.${buf[o + 13]}.${buf[o + 14]}.${buf[o + 15]}`;
    dstAddr = `${buf[o + 16]}.${buf[o + 17]}.${buf[o + 18]}.${buf[o + 19]}`;
    udp = o + ihl;
  } else if (etherType === ETHERTYPE_IPV6) {
    if (o + 40 > end || buf[o]! >> 4 !== 6 || buf[o + 6] !== 17) return null;
    ipEnd = Math.min(end, o + 40 + view.getUint16(o + 4));
    srcAddr = ipv6(view, o + 8);
    dstAddr = ipv6(view, o + 24);
    udp = o + 40;
  } else {
    return null;
  }
  if (udp + 8 > ipEnd) return null;
  const udpLength = view.getUint16(udp + 4);
  if (udpLength < 8) return null;
  const payloadEnd = Math.min(ipEnd, udp + udpLength);
  return {
    timeMs: 0,
    srcAddr,
    srcPort: view.getUint16(udp),
    dstAddr,
    dstPort: view.getUint16(udp + 2),
    payload: buf.subarray(udp + 8, payloadEnd),
  };
}

function ipv6(view: DataView, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) parts.push(view.getUint16(o + i * 2).toString(16));
  return parts.join(':');
}
