/**
 * Throughput of the SIP parser and serializer on a typical INVITE with SDP (as a trunk or SBC
 * sends it). Prints one JSON object: per-message µs and messages/s for parse, parse + the UAS
 * checks, serialize, and the parse→serialize round trip; medians of several runs.
 */
import { cpus } from 'node:os';
import { checkRequest, parseMessage } from '../src/sip/parse/index.js';
import { serializeMessage } from '../src/sip/serialize.js';

const sdp = [
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
].join('\r\n');
const invite = Buffer.from(
  [
    'INVITE sip:+4930123456@gw.example.com;user=phone SIP/2.0',
    'Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK-524287-1---6a2b0c1d4e5f;rport',
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKf00dfeed;received=198.51.100.7',
    'Max-Forwards: 69',
    'Record-Route: <sip:198.51.100.7;lr;ftag=as3f2a>',
    'Contact: <sip:+15551234567@203.0.113.10:5060;transport=udp>',
    'To: <sip:+4930123456@gw.example.com;user=phone>',
    'From: "Caller Name" <sip:+15551234567@carrier.example.net;user=phone>;tag=as3f2a11d2',
    'Call-ID: 4b1c7e0a2f9d4c1b8e6a5d3c2b1a0f9e@203.0.113.10',
    'CSeq: 102 INVITE',
    'User-Agent: ExampleSBC 4.2',
    'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, INFO, UPDATE',
    'Supported: replaces, timer, 100rel',
    'Session-Expires: 1800;refresher=uac',
    'Min-SE: 90',
    'P-Asserted-Identity: <sip:+15551234567@carrier.example.net;user=phone>',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n'),
);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(iterations: number, runs: number, fn: () => void): { usPerMsg: number; msgsPerSec: number } {
  for (let i = 0; i < 2000; i++) fn();
  const per: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / iterations);
  }
  const us = median(per);
  return { usPerMsg: Math.round(us * 100) / 100, msgsPerSec: Math.round(1e6 / us) };
}

const parsed = parseMessage(invite);
if (!parsed.ok || parsed.value.kind !== 'request' || checkRequest(parsed.value) !== undefined) throw new Error('bench message does not parse');
const msg = parsed.value;
let sink = 0;
const iterations = Number(process.env.BENCH_ITERATIONS ?? 20000);
const runs = Number(process.env.BENCH_RUNS ?? 7);
const parse = measure(iterations, runs, () => {
  const r = parseMessage(invite);
  if (r.ok) sink += r.value.headers.list().length;
});
const parseCheck = measure(iterations, runs, () => {
  const r = parseMessage(invite);
  if (r.ok && r.value.kind === 'request' && checkRequest(r.value) === undefined) sink++;
});
const serialize = measure(iterations, runs, () => {
  sink += serializeMessage(msg).length;
});
const roundTrip = measure(iterations, runs, () => {
  const r = parseMessage(invite);
  if (r.ok) sink += serializeMessage(r.value).length;
});
const cpu = cpus();
console.log(
  JSON.stringify({
    bench: 'sip-parse',
    date: new Date().toISOString(),
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', node: process.version },
    figures: {
      messageBytes: invite.length,
      iterations,
      runs,
      parse,
      parseAndCheckRequest: parseCheck,
      serialize,
      parseThenSerialize: roundTrip,
      sink: sink > 0,
    },
  }),
);
