/**
 * Seed inputs for mutation fuzzing, per target (see fuzz-targets.ts): the RFC 4475 torture
 * messages and trunk-shaped requests/responses for SIP; SDP offers (plain, SAVP with a=crypto,
 * the bodies of the SIP seeds); RTP with CSRCs, extension and padding; compound RTCP; and both
 * protected with the fixed fuzz keys for SRTP/SRTCP. Plus a mutator driven by a seeded PRNG, so a
 * run is reproducible from its seed.
 */
import { rfc4475Message, rfc4475Names } from '../sip/fixtures/load-rfc4475.js';
import { buildRtp } from '../../src/media/rtp/packet.js';
import { buildRtcp, type RtcpPacket } from '../../src/media/rtp/rtcp.js';
import { createSrtpContexts } from '../../src/media/srtp/index.js';
import { formatCryptoAttribute } from '../../src/sdp/crypto.js';
import { FUZZ_SRTP_KEYS, type FuzzTarget } from './fuzz-targets.js';

const crlf = (lines: string[]) => lines.join('\r\n');

export const SDP_OFFER = crlf([
  'v=0',
  'o=- 3857212431 3857212431 IN IP4 203.0.113.10',
  's=-',
  'c=IN IP4 203.0.113.10',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
]);

const crypto = (tag: number, suite: 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32', extra = '') =>
  formatCryptoAttribute({ tag, suite, keys: [{ key: Buffer.alloc(16, tag), salt: Buffer.alloc(14, tag + 1) }], sessionParams: [] }) + extra;

export const SDP_SAVP = crlf([
  'v=0',
  'o=alice 2890844526 2890844527 IN IP6 2001:db8::1',
  's=call',
  'c=IN IP6 2001:db8::1',
  'b=AS:64',
  't=0 0',
  'm=audio 49170 RTP/SAVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  `a=crypto:${crypto(1, 'AES_CM_128_HMAC_SHA1_80')}`,
  `a=crypto:${crypto(2, 'AES_CM_128_HMAC_SHA1_32', '|2^20|1:4')}`,
  'a=recvonly',
  'm=video 0 RTP/AVP 31',
  '',
]);

export const SIP_INVITE = crlf([
  'INVITE sip:+4930123456@gw.example.com;user=phone SIP/2.0',
  'Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK-524287-1---6a2b0c1d4e5f;rport',
  'Via: SIP/2.0/TCP [2001:db8::7]:5060;branch=z9hG4bKf00dfeed;received=198.51.100.7',
  'Max-Forwards: 69',
  'Record-Route: <sip:198.51.100.7;lr;ftag=as3f2a>',
  'Contact: "Caller" <sip:+15551234567@203.0.113.10:5060;transport=udp>;expires=60',
  'To: <sip:+4930123456@gw.example.com;user=phone>',
  'From: "Caller Name" <sip:+15551234567@carrier.example.net;user=phone>;tag=as3f2a11d2',
  'Call-ID: 4b1c7e0a2f9d4c1b8e6a5d3c2b1a0f9e@203.0.113.10',
  'CSeq: 102 INVITE',
  'Supported: replaces, timer, 100rel',
  'Session-Expires: 1800;refresher=uac',
  'Authorization: Digest username="trunk", realm="hushgate", nonce="abc", uri="sip:gw.example.com", response="0123456789abcdef0123456789abcdef", algorithm=MD5',
  'Content-Type: application/sdp',
  `Content-Length: ${Buffer.byteLength(SDP_OFFER)}`,
  '',
  SDP_OFFER,
]);

export const SIP_200 = crlf([
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK776asdhds;received=127.0.0.1;rport=5060',
  'From: <sip:gw@127.0.0.1>;tag=1928301774',
  'To: <sip:bob@127.0.0.1>;tag=a6c85cf',
  'Call-ID: a84b4c76e66710@127.0.0.1',
  'CSeq: 314159 INVITE',
  'Contact: <sip:bob@192.0.2.4>',
  'Content-Type: application/sdp',
  `Content-Length: ${Buffer.byteLength(SDP_SAVP)}`,
  '',
  SDP_SAVP,
]);

export function sipSeeds(): Buffer[] {
  return [...rfc4475Names().map(rfc4475Message), Buffer.from(SIP_INVITE), Buffer.from(SIP_200)];
}

export function sdpSeeds(): Buffer[] {
  const bodies = sipSeeds()
    .map((m) => m.toString('latin1'))
    .filter((t) => /\r?\n\r?\nv=0/.test(t))
    .map((t) => Buffer.from(t.slice(t.search(/\r?\n\r?\nv=0/)).replace(/^\s+/, ''), 'latin1'));
  return [Buffer.from(SDP_OFFER), Buffer.from(SDP_SAVP), ...bodies];
}

function rtpSeedsPlain(): Buffer[] {
  const payload = Buffer.alloc(160, 0xd5);
  const list = [
    { payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0x11223344 },
    { payloadType: 8, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true, csrc: [1, 2, 3] },
    { payloadType: 101, sequenceNumber: 7, timestamp: 1, ssrc: 5, extension: { profile: 0xbede, data: Buffer.from([0x10, 0xaa, 0, 0]) }, paddingLength: 4 },
  ];
  return list.map((f, i) => {
    const r = buildRtp(f, i === 2 ? Buffer.from([1, 0x8a, 0, 160]) : payload);
    if (!r.ok) throw new Error(`seed RTP: ${r.error}`);
    return Buffer.from(r.value);
  });
}

function rtcpSeedsPlain(): Buffer[] {
  const block = { ssrc: 9, fractionLost: 12, cumulativeLost: -3, highestSeq: 70000, jitter: 40, lsr: 0x1234, dlsr: 0x10000 };
  const compounds: RtcpPacket[][] = [
    [
      { type: 'sr', ssrc: 1, ntpSec: 3900000000, ntpFrac: 1 << 31, rtpTimestamp: 8000, packetCount: 50, octetCount: 8000, reports: [block] },
      { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'hushgate@example' }, { type: 2, text: 'Name' }] }] },
    ],
    [
      { type: 'rr', ssrc: 2, reports: [block, { ...block, ssrc: 10 }] },
      { type: 'sdes', chunks: [{ ssrc: 2, items: [{ type: 1, text: 'x' }] }] },
      { type: 'bye', ssrcs: [2, 3], reason: 'call ended' },
    ],
  ];
  return compounds.map((c) => {
    const r = buildRtcp(c);
    if (!r.ok) throw new Error(`seed RTCP: ${r.error}`);
    return Buffer.from(r.value);
  });
}

export function seedsFor(target: FuzzTarget): Buffer[] {
  switch (target) {
    case 'sip':
      return sipSeeds();
    case 'sdp':
      return sdpSeeds();
    case 'info':
      return ['Signal=5\r\nDuration=160\r\n', 'Signal: #\r\nDuration: 250\r\n', '5', 'signal = *\nduration=100\n'].map((t) => Buffer.from(t));
    case 'rtp':
      return rtpSeedsPlain();
    case 'rtcp':
      return rtcpSeedsPlain();
    case 'srtp': {
      const { outbound } = createSrtpContexts(FUZZ_SRTP_KEYS);
      return rtpSeedsPlain().map((p) => outbound.protect(p));
    }
    case 'srtcp': {
      const { outbound } = createSrtpContexts(FUZZ_SRTP_KEYS);
      return rtcpSeedsPlain().map((p) => outbound.protectRtcp(p));
    }
  }
}

/** xorshift32: small, fast, reproducible. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.s = x >>> 0);
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

const TEXT_TOKENS = [
  '\r\n', '\n', '\r', '\r\n\r\n', ' ', '\t', '\r\n ', ',', ';', ':', '"', '\\', '<', '>', '[', ']', '%', '%00', '%zz', '=', '@', '/', '\0', '\xff',
  'Content-Length: ', 'Content-Length: 99999999999999999999', 'l: -1', 'Via: SIP/2.0/UDP ', ';branch=z9hG4bK', ';rport', ';received=', ';maddr=',
  'sip:', 'sips:', 'tel:', '[::1]', '[2001:db8::', '::ffff:1.2.3.4', ':65536', ':0', '4294967296', '2147483648', '-1', 'CSeq: 1 ', 'SIP/2.0 ', 'SIP/3.0',
  '=?utf-8?', '\u00e9', '\ud83d\ude00', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:', '|2^48|1:4', 'm=audio ', ' RTP/SAVP ', 'c=IN IP4 ', 'a=rtpmap:', '/8000/',
  'o=- 1 1 IN IP4 ', 'b=AS:', 'v=0', 'Digest ', 'nonce="', 'multipart/mixed;boundary=', '--',
];

/** One mutated input: 1–8 operations over a copy of a seed (or a splice of two). */
export function mutate(rng: Rng, seeds: readonly Buffer[], text: boolean): Buffer {
  let b = Buffer.from(seeds[rng.below(seeds.length)]!);
  const ops = 1 + rng.below(8);
  for (let k = 0; k < ops; k++) {
    const at = rng.below(b.length + 1);
    switch (rng.below(text ? 10 : 7)) {
      case 0: // flip a bit
        if (b.length) b[rng.below(b.length)] ^= 1 << rng.below(8);
        break;
      case 1: // set a byte to an interesting value
        if (b.length) b[rng.below(b.length)] = [0, 0xff, 0x7f, 0x80, 0x0d, 0x0a, 0x20, 0x3a, 0x3b, 0x2c, 0x22, 0x3c, 0x3e, 0x25][rng.below(14)]!;
        break;
      case 2: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.below(64)))]);
        break;
      case 3: // truncate
        b = b.subarray(0, at);
        break;
      case 4: {
        // duplicate a range, sometimes many times (scaling: repeated headers, long runs)
        const len = 1 + rng.below(Math.max(1, Math.min(200, b.length - at)));
        const times = rng.below(4) === 0 ? 1 + rng.below(400) : 1;
        const piece = b.subarray(at, at + len);
        b = Buffer.concat([b.subarray(0, at), ...Array<Buffer>(times).fill(piece), b.subarray(at)]);
        break;
      }
      case 5: {
        // splice with another seed
        const o = seeds[rng.below(seeds.length)]!;
        b = Buffer.concat([b.subarray(0, at), o.subarray(rng.below(o.length + 1))]);
        break;
      }
      case 6: // random bytes
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + rng.below(16) }, () => rng.below(256))), b.subarray(at)]);
        break;
      default: {
        // text targets: insert a grammar token (sometimes a long run of one)
        const tok = TEXT_TOKENS[rng.below(TEXT_TOKENS.length)]!;
        const times = rng.below(8) === 0 ? 1 + rng.below(3000) : 1;
        b = Buffer.concat([b.subarray(0, at), Buffer.from(tok.repeat(times), 'utf8'), b.subarray(at)]);
      }
    }
  }
  return b;
}
