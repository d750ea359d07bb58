/**
 * bench/sip-stack: CPU of the SIP layer alone per call set-up — a real SipStack + UserAgent on the
 * in-memory transport (no sockets, no media, no call layer), answering SIPp-shaped INVITEs with a
 * fixed SDP: INVITE → 100 → 200 → ACK → BYE → 200, transactions expired by the FakeClock.
 * It measures what src/sip/ costs per call without the noise of a shared machine's scheduler:
 * process CPU (not wall time) over batches of concurrent calls, and, under callgrind, instructions
 * (`--calls 0` gives the start-up to subtract).
 *
 *   figures.usPerCall      median over --runs of process CPU µs per call (harness included)
 *   figures.calls          calls per run
 *
 * Usage: node --import tsx bench/sip-stack.ts [--calls 20000] [--runs 5] [--batch 50]
 *        valgrind --tool=callgrind node --import tsx bench/sip-stack.ts --calls 2000 --runs 1
 */
import { memorySip } from '../test/helpers/memory-sip.js';
import { report, median, arg } from './lib/report.js';

const calls = arg('calls', 20000);
const runs = arg('runs', 5);
const batch = arg('batch', 50);

const sdp = ['v=0', 'o=user1 53655765 2353687637 IN IP4 10.0.0.2', 's=-', 'c=IN IP4 10.0.0.2', 't=0 0', 'm=audio 6000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
const answer = ['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 20000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');

/** SIPp's built-in uac messages (sipp -sd uac), with the per-call fields filled in. */
function invite(n: number, port: number): string {
  return [
    `INVITE sip:service@10.0.0.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 10.0.0.2:${port};branch=z9hG4bK-1-${n}-0`,
    `From: sipp <sip:sipp@10.0.0.2:${port}>;tag=1SIPpTag00${n}`,
    `To: service <sip:service@10.0.0.1:5060>`,
    `Call-ID: ${n}-1@10.0.0.2`,
    `CSeq: 1 INVITE`,
    `Contact: sip:sipp@10.0.0.2:${port}`,
    `Max-Forwards: 70`,
    `Subject: Performance Test`,
    `Content-Type: application/sdp`,
    `Content-Length: ${sdp.length}`,
    '',
    sdp,
  ].join('\r\n');
}

function inDialog(method: 'ACK' | 'BYE', n: number, port: number, toTag: string): string {
  return [
    `${method} sip:service@10.0.0.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 10.0.0.2:${port};branch=z9hG4bK-1-${n}-${method === 'ACK' ? 5 : 7}`,
    `From: sipp <sip:sipp@10.0.0.2:${port}>;tag=1SIPpTag00${n}`,
    `To: service <sip:service@10.0.0.1:5060>;tag=${toTag}`,
    `Call-ID: ${n}-1@10.0.0.2`,
    `CSeq: ${method === 'ACK' ? 1 : 2} ${method}`,
    `Contact: sip:sipp@10.0.0.2:${port}`,
    `Max-Forwards: 70`,
    `Subject: Performance Test`,
    `Content-Length: 0`,
    '',
    '',
  ].join('\r\n');
}

async function run(): Promise<number> {
  const sip = memorySip();
  const node = sip.node('10.0.0.1');
  node.ua.onInvite = (s) => s.accept(answer);
  const peer = sip.peer('10.0.0.2', { target: '10.0.0.1' });
  const tagOf = (m: string) => /\r\nTo:[^\r]*;tag=([^;\r]+)/i.exec(m)?.[1] ?? '';
  let n = 0;
  const cpu0 = process.cpuUsage();
  while (n < calls) {
    const first = n;
    const size = Math.min(batch, calls - n);
    for (let i = 0; i < size; i++) peer.send(invite(first + i, peer.port), 5060);
    n += size;
    const tags = new Map<string, string>();
    for (let i = 0; i < size; i++) {
      const ok = await peer.receive((m) => m.startsWith('SIP/2.0 200') && m.includes('INVITE\r\n'));
      tags.set(/\r\nCall-ID: (\d+)-/.exec(ok)![1]!, tagOf(ok));
    }
    for (let i = first; i < n; i++) {
      peer.send(inDialog('ACK', i, peer.port, tags.get(String(i))!), 5060);
      peer.send(inDialog('BYE', i, peer.port, tags.get(String(i))!), 5060);
    }
    for (let i = 0; i < size; i++) await peer.receive((m) => m.startsWith('SIP/2.0 200') && m.includes('BYE\r\n'));
    peer.pending().length = 0;
    sip.net.sent.length = 0; // the capture would grow with every message
    await sip.run(40_000); // Timer J/L and the 2xx retransmission timer end what they guard
    for (;;) {
      const rest = await peer.receive(() => true).catch(() => undefined);
      if (rest === undefined) break;
    }
  }
  const used = process.cpuUsage(cpu0);
  if (node.stack.serverTransactionCount() !== 0) throw new Error(`${node.stack.serverTransactionCount()} server transactions left`);
  await sip.close();
  return calls ? (used.user + used.system) / calls : 0;
}

const results: number[] = [];
for (let r = 0; r < runs; r++) results.push(await run());
report('sip-stack', { calls, runs, batch, usPerCall: Math.round(median(results) * 10) / 10, runsUsPerCall: results.map((x) => Math.round(x * 10) / 10) },
  'Process CPU (user + system) per call of the SIP layer on the in-memory transport, harness included; the first run includes JIT warm-up.');
