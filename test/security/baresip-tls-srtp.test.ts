/**
 * A real peer nobody here wrote — baresip — calls the gateway over SIP/TLS with mandatory SRTP
 * (SDES). The gateway's `loopback` application echoes the caller, so what baresip records from
 * the call (`sndfile`) must be what it played, after a μ-law round trip both ways: proof that
 * SRTP works in both directions (baresip refuses to play anything it cannot authenticate and
 * decrypt, and the gateway drops what it cannot open). The gateway's call-ended log must report
 * SRTP packets both ways with no authentication failures, and none of its log output may hold
 * the SDES keys of either side (taken from baresip's SIP trace of the offer and the answer).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, REPO, type RunningGateway } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { runBaresip, inlineKeys } from '../helpers/baresip.js';
import { piecewiseCorrelation, PIECE_SAMPLES } from '../helpers/audio.js';
import { parseWav } from '../../src/media/wav.js';
import { createTestPki, type TestPki } from './certs.js';

const GREETING = join(REPO, 'assets/greeting.wav');
let pki: TestPki;
let gw: RunningGateway;
let tlsPort: number;

before(async () => {
  pki = createTestPki();
  const { cert, key } = pki.issue('gateway', 2);
  tlsPort = await freePort();
  gw = await startGateway({
    log: { level: 'debug' },
    sip: { transports: ['udp', 'tcp', 'tls'], tls: { port: tlsPort, cert, key, ca: pki.ca } },
    accounts: [{ id: 'a', applications: [{ id: 'secure-echo', numbers: ['echo'], mode: 'loopback', secureMedia: 'required' }] }],
  });
});
after(async () => {
  await gw?.stop();
  pki?.cleanup();
});

/** RMS per 100 ms window. */
function energyProfile(x: Int16Array, win = 800): number[] {
  const out: number[] = [];
  for (let i = 0; i + win <= x.length; i += win) {
    let s = 0;
    for (let j = i; j < i + win; j++) s += x[j]! * x[j]!;
    out.push(Math.sqrt(s / win));
  }
  return out;
}

test('baresip calls over TLS with mandatory SRTP; audio flows both ways; no key in the logs', async () => {
  const r = await runBaresip({ target: `sip:echo@127.0.0.1:${tlsPort};transport=tls`, wav: GREETING, caFile: pki.ca, mediaenc: 'srtp-mand', seconds: 7 });
  assert.match(r.output, /SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_(80|32)\)/, 'baresip negotiated SRTP');
  assert.match(r.output, /TLS 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+\r?\nINVITE sip:echo@/, 'the INVITE went over TLS');

  const ended = await gw.waitForLog((e) => e.msg === 'call ended', 10_000);
  const srtp = ended.srtp as { packetsReceived: number; packetsSent: number; authFailures: number; replays: number } | undefined;
  assert.ok(srtp, 'the call-ended log has SRTP figures');
  // The greeting is 3.2 s: 161 packets of 20 ms.
  assert.ok(srtp.packetsReceived >= 150, `gateway received ${srtp.packetsReceived} SRTP packets`);
  assert.ok(srtp.packetsSent >= 140, `gateway sent ${srtp.packetsSent} SRTP packets`);
  assert.equal(srtp.authFailures, 0);
  assert.equal(srtp.replays, 0);
  const answered = await gw.waitForLog((e) => e.msg === 'call answered');
  assert.equal(answered.transport, 'TLS');

  // Audio both ways. What baresip sent is the WAV; what it heard is our echo of it.
  const wav = parseWav(readFileSync(GREETING));
  assert.ok(wav.ok);
  const ref = wav.wav.samples;
  assert.ok(r.heard.length >= ref.length * 0.8, `baresip recorded ${r.heard.length} samples of echo`);
  const { mean, pieces } = piecewiseCorrelation(ref, r.heard, PIECE_SAMPLES, 800);
  const intact = pieces.filter((c) => c > 0.95).length / pieces.length;
  assert.ok(pieces.length >= 8, `${pieces.length} speech pieces`);
  assert.ok(mean > 0.9, `echo correlates with what was played: mean ${mean.toFixed(3)}`);
  assert.ok(intact >= 0.75, `${(intact * 100).toFixed(0)} % of 50 ms pieces intact`);
  // And not a constant: the echo has the talk/pause shape of the greeting.
  const e = energyProfile(r.heard);
  assert.ok(Math.max(...e) > 10 * Math.max(1, Math.min(...e)), 'the echo has speech and pauses');

  // Keys: both the offer's and the answer's inline keys appear in baresip's trace, never in our logs.
  const keys = inlineKeys(r.output);
  assert.ok(keys.length >= 2, `found ${keys.length} SDES keys in the trace (offer and answer)`);
  const logs = gw.logs.join('\n') + gw.stderr.join('');
  assert.ok(gw.logs.length >= 3, 'the gateway logs were captured');
  for (const k of keys) {
    assert.ok(!logs.includes(k), 'an SDES key appeared in the gateway logs');
    const raw = Buffer.from(k, 'base64');
    assert.ok(!logs.includes(raw.subarray(0, 16).toString('hex')), 'a master key (hex) appeared in the gateway logs');
    assert.ok(!logs.includes(raw.subarray(0, 16).toString('base64').slice(0, 20)), 'a master key (base64) appeared in the gateway logs');
  }
});
