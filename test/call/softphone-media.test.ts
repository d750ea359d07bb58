/**
 * Our own UAC with media against the real gateway process: the greeting arrives intact and paced
 * at 20 ms; the loopback application returns what was sent.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, REPO, type RunningGateway } from '../helpers/gateway-process.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { parseWav } from '../../src/media/wav.js';
import { bestCorrelation, piecewiseCorrelation, PIECE_SAMPLES, percentileOf } from '../helpers/audio.js';
import { freeUdpRange } from '../helpers/ports.js';

const GREETING = join(REPO, 'assets/greeting.wav');
let gw: RunningGateway;
let phone: Softphone;

before(async () => {
  gw = await startGateway({
    accounts: [
      {
        id: 'a',
        applications: [
          { id: 'greeter', numbers: ['greeting'], mode: 'hold', greeting: GREETING, holdSeconds: 5 },
          { id: 'echo', numbers: ['echo'], mode: 'loopback' },
        ],
      },
    ],
  });
  const base = await freeUdpRange(20);
  phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 19 });
});
after(async () => {
  await phone.close();
  await gw.stop();
});

function greetingPcm(): Int16Array {
  const w = parseWav(readFileSync(GREETING));
  assert.ok(w.ok);
  return w.wav.samples;
}

test('the greeting arrives intact (correlation > 0.99) and paced at 20 ms', async () => {
  const call = await phone.dial(`sip:greeting@127.0.0.1:${gw.sipPort}`);
  await call.waitForEnd(15_000);
  const ref = greetingPcm();
  const got = call.receivedPcm();
  const { corr } = bestCorrelation(ref, got, 2000);
  assert.ok(corr > 0.99, `correlation ${corr.toFixed(4)}`);
  // Pacing: 160 samples per packet, inter-arrival 20 ms.
  const pk = call.received;
  assert.ok(pk.length >= Math.floor(ref.length / 160), `${pk.length} packets`);
  for (let i = 1; i < pk.length; i++) assert.equal((pk[i]!.timestamp - pk[i - 1]!.timestamp) >>> 0, 160, 'timestamps advance by one frame');
  assert.equal(pk.filter((p, i) => i > 0 && ((p.seq - pk[i - 1]!.seq) & 0xffff) !== 1).length, 0, 'no sequence gaps');
  const gaps = pk.slice(1).map((p, i) => p.arrivalMs - pk[i]!.arrivalMs);
  const median = percentileOf(gaps, 50);
  // Receiver-side arrival times include this test process's own scheduling delays on a shared
  // 2-core machine, so the spread bound is loose; drift is held tight by the span check below.
  const p90dev = percentileOf(gaps.map((g) => Math.abs(g - 20)), 90);
  assert.ok(Math.abs(median - 20) < 1, `median inter-arrival ${median.toFixed(2)} ms`);
  assert.ok(p90dev < 6, `p90 deviation from 20 ms: ${p90dev.toFixed(2)} ms`);
  // Total duration: the stream is not faster or slower than real time.
  const span = pk[pk.length - 1]!.arrivalMs - pk[0]!.arrivalMs;
  assert.ok(Math.abs(span - (pk.length - 1) * 20) < 60, `span ${span.toFixed(1)} ms for ${pk.length} packets`);
});

test('the loopback application returns what was sent', async () => {
  const call = await phone.dial(`sip:echo@127.0.0.1:${gw.sipPort}`);
  const ref = greetingPcm();
  await call.play({ kind: 'pcm', samples: ref });
  await new Promise((r) => setTimeout(r, 400));
  await call.hangup();
  // The gateway's adaptive jitter buffer may add or drop a frame while it settles its depth, so the
  // echo is compared piece by piece (200 ms pieces of speech, each at its own lag): nearly every
  // piece must come back intact; a piece that holds a depth change correlates a little lower.
  const { mean, pieces } = piecewiseCorrelation(ref, call.receivedPcm(), PIECE_SAMPLES, 800);
  const intact = pieces.filter((c) => c > 0.99).length / pieces.length;
  assert.ok(pieces.length >= 10, `${pieces.length} speech pieces`);
  assert.ok(intact >= 0.85, `${(intact * 100).toFixed(0)} % of pieces intact (mean correlation ${mean.toFixed(4)})`);
  assert.ok(mean > 0.95, `mean correlation ${mean.toFixed(4)}`);
});
