/**
 * Calls whose media runs on worker threads (`media.workers`): a real gateway in this process with
 * two media workers, our softphone as the caller. Audio both ways (a prompt played by the main
 * thread's player reaches the caller through the worker; the caller's audio comes back through a
 * worker's loopback), SRTP keyed in the main thread and applied in the worker, RFC 4733 DTMF
 * received in the worker and reported by the call layer, hang-up releasing the worker's sockets,
 * and a worker that dies ending its calls with `media-failed` while the gateway takes new calls.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startInProcessGateway, type InProcessGateway } from '../helpers/in-process-gateway.js';
import { REPO } from '../helpers/gateway-process.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { parseWav } from '../../src/media/wav.js';
import { piecewiseCorrelation, PIECE_SAMPLES } from '../helpers/audio.js';
import { freeUdpRange } from '../helpers/ports.js';
import type { MediaWorkerPool } from '../../src/media/index.js';

const GREETING = join(REPO, 'assets/greeting.wav');
let g: InProcessGateway;
let phone: Softphone;
let securePhone: Softphone;

before(async () => {
  const rtp = await freeUdpRange(40);
  g = await startInProcessGateway({
    media: { host: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: rtp + 39, workers: 2 },
    accounts: [
      {
        id: 'a',
        applications: [
          { id: 'greeter', numbers: ['greeting'], mode: 'hold', greeting: GREETING, holdSeconds: 6 },
          { id: 'echo', numbers: ['echo'], mode: 'loopback' },
          { id: 'secure-echo', numbers: ['secure-echo'], mode: 'loopback', secureMedia: 'optional' },
        ],
      },
    ],
  });
  const base = await freeUdpRange(20);
  phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9 });
  securePhone = await Softphone.create({ rtpPortMin: base + 10, rtpPortMax: base + 19, srtp: true });
});
after(async () => {
  await phone?.close();
  await securePhone?.close();
  await g?.stop();
});

/** The gateway's worker pool (a test reaches past the private field to crash one worker). */
function workers(): MediaWorkerPool {
  const pool = (g.gw as unknown as { media: { workers?: MediaWorkerPool } }).media.workers;
  assert.ok(pool, 'the gateway runs media workers');
  return pool;
}

function greetingPcm(): Int16Array {
  const w = parseWav(readFileSync(GREETING));
  assert.ok(w.ok);
  return w.wav.samples;
}

function answerPort(sdp: string): number {
  return Number(/^m=audio (\d+)/m.exec(sdp)?.[1]);
}

async function portIsFree(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  try {
    await new Promise<void>((res, rej) => {
      s.once('error', rej);
      s.bind(port, '127.0.0.1', () => res());
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

test('a prompt played on the main thread reaches the caller intact through the worker', async () => {
  const call = await phone.dial(`sip:greeting@127.0.0.1:${g.sipPort}`);
  await call.waitForEnd(15_000);
  // Compared piece by piece, as the echo is: on a loaded machine a stall of the main thread (this
  // process also runs the phone) can cost a frame, in process or through a worker alike.
  const { mean, pieces } = piecewiseCorrelation(greetingPcm(), call.receivedPcm(), PIECE_SAMPLES, 800);
  const intact = pieces.filter((c) => c > 0.99).length / pieces.length;
  assert.ok(pieces.length >= 10 && intact >= 0.85, `${(intact * 100).toFixed(0)} % of ${pieces.length} pieces intact (mean correlation ${mean.toFixed(4)})`);
  const pk = call.received;
  const jumps = pk.filter((p, i) => i > 0 && ((p.timestamp - pk[i - 1]!.timestamp) >>> 0) !== 160).length;
  assert.ok(pk.length >= 150 && jumps <= 3, `${pk.length} packets, ${jumps} timestamp jumps`);
});

async function echoCheck(p: Softphone, number: string): Promise<{ port: number; sent: number }> {
  const call = await p.dial(`sip:${number}@127.0.0.1:${g.sipPort}`);
  const port = answerPort(call.sdp.answer);
  assert.ok(port > 0);
  const ref = greetingPcm();
  await call.play({ kind: 'pcm', samples: ref });
  await new Promise((r) => setTimeout(r, 400));
  const sent = call.audio.stats().rtp.packetsSent;
  await call.hangup();
  const { mean, pieces } = piecewiseCorrelation(ref, call.receivedPcm(), PIECE_SAMPLES, 800);
  const intact = pieces.filter((c) => c > 0.99).length / pieces.length;
  assert.ok(pieces.length >= 10, `${pieces.length} speech pieces`);
  assert.ok(intact >= 0.85, `${(intact * 100).toFixed(0)} % of pieces intact (mean correlation ${mean.toFixed(4)})`);
  return { port, sent };
}

test('the caller hears itself back through a worker (loopback), and hang-up frees the worker’s RTP and RTCP ports', async () => {
  const { port, sent } = await echoCheck(phone, 'echo');
  const ended = await g.waitForEvent((e) => e.type === 'call.ended' && e.applicationId === 'echo');
  const media = ended.media as { packetsReceived: number; packetsSent: number };
  // The CDR is taken when the call ends, before the media closes: the worker's shared counters are at most 100 ms old.
  assert.ok(media.packetsReceived >= sent - 5 && media.packetsReceived <= sent, `CDR counts what the caller sent (${sent}): ${JSON.stringify(media)}`);
  assert.ok(media.packetsSent > 100, `the echo was counted: ${JSON.stringify(media)}`);
  for (let i = 0; i < 50 && !(await portIsFree(port)); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(await portIsFree(port), `RTP port ${port} released by the worker`);
  assert.ok(await portIsFree(port + 1), `RTCP port ${port + 1} released by the worker`);
  for (let i = 0; i < 50 && workers().load.some((n) => n > 0); i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(workers().load, [0, 0], 'the workers hold no call');
});

test('SRTP: keys negotiated on the main thread protect the worker’s stream both ways', async () => {
  await echoCheck(securePhone, 'secure-echo');
  const ended = await g.waitForEvent((e) => e.type === 'call.ended' && e.applicationId === 'secure-echo');
  assert.ok((ended.media as { packetsReceived: number }).packetsReceived > 100);
  // The call-ended log line carries the SRTP summary from the worker's session: packets opened, none refused.
  const line = g.logs.map((l) => JSON.parse(l) as { msg?: string; applicationId?: string; srtp?: { packetsReceived: number; authFailures: number } }).find((l) => l.msg === 'call ended' && l.applicationId === 'secure-echo');
  assert.ok(line?.srtp, 'the call ran SRTP');
  assert.ok(line.srtp.packetsReceived > 100 && line.srtp.authFailures === 0, JSON.stringify(line.srtp));
});

test('RFC 4733 digits received by the worker reach the call layer', async () => {
  const call = await phone.dial(`sip:echo@127.0.0.1:${g.sipPort}`);
  await call.sendDigits('17#');
  const digits = async () => g.events.filter((e) => e.type === 'dtmf' && e.applicationId === 'echo' && !e.sensitive).map((e) => e.digit);
  for (let i = 0; i < 50 && (await digits()).join('') !== '17#'; i++) await new Promise((r) => setTimeout(r, 50));
  await call.hangup();
  assert.deepEqual(await digits(), ['1', '7', '#']);
});

test('a worker that dies ends its calls with media-failed; the gateway goes on taking calls', async () => {
  const call = await phone.dial(`sip:echo@127.0.0.1:${g.sipPort}`);
  const pool = workers();
  const busy = pool.load.findIndex((n) => n > 0);
  assert.ok(busy >= 0, `the call is on a worker: ${pool.load}`);
  pool.crashWorker(busy);
  const reason = await call.waitForEnd(5_000);
  assert.equal(reason, 'remote-bye', 'the gateway sent BYE');
  const ended = await g.waitForEvent((e) => e.type === 'call.ended' && e.endReason === 'media-failed');
  assert.equal(ended.applicationId, 'echo');
  assert.ok(g.logs.some((l) => l.includes('media worker exited')), 'the exit is logged');
  // The replacement worker (same port slice) and the other one take new calls.
  await echoCheck(phone, 'echo');
  await echoCheck(phone, 'echo');
});

test('a worker whose loop hangs is terminated by the watchdog and its calls end the same way', async () => {
  const before = g.events.filter((e) => e.type === 'call.ended' && e.endReason === 'media-failed').length;
  const call = await phone.dial(`sip:echo@127.0.0.1:${g.sipPort}`);
  const pool = workers();
  const busy = pool.load.findIndex((n) => n > 0);
  assert.ok(busy >= 0);
  pool.crashWorker(busy, 'hang');
  // No CPU report for 5 s (one comes every second) counts as hung.
  assert.equal(await call.waitForEnd(12_000), 'remote-bye');
  await g.waitForEvent(() => g.events.filter((e) => e.type === 'call.ended' && e.endReason === 'media-failed').length > before);
  await echoCheck(phone, 'echo');
});
