/**
 * A legitimate UAC nobody here wrote — baresip 1.0 — still authenticates with replay tracking and
 * throttling on (the defaults): challenged with 401, it answers with its own digest and the call is answered;
 * no failure, no replay, nothing throttled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startGateway, metricValue, REPO } from '../helpers/gateway-process.js';
import { runBaresip } from '../helpers/baresip.js';

test('baresip answers the digest challenge and the call is answered', { timeout: 40_000 }, async () => {
  // baresip 1.0 (libre) answers MD5 digests only: with SHA-256 offered first it fails the call.
  const gw = await startGateway({
    sip: { auth: { realm: 'hushgate.test', users: [{ username: 'trunk', password: 'correct-horse-battery' }], algorithms: ['MD5'] } },
    accounts: [{ id: 'a', applications: [{ id: 'h', numbers: ['service'], mode: 'hold' }] }],
  });
  try {
    const r = await runBaresip({ target: `sip:service@127.0.0.1:${gw.sipPort}`, transport: 'udp', mediaenc: 'none', wav: join(REPO, 'assets/greeting.wav'), seconds: 4, auth: { username: 'trunk', password: 'correct-horse-battery' } }); // no spaces: baresip's account line ends a value at one
    assert.match(r.output, /SIP\/2\.0 401 Unauthorized/, 'challenged');
    assert.match(r.output, /Authorization: Digest username="trunk"/, 'answered with its digest');
    await gw.waitForLog((e) => e.msg === 'call answered', 5000);
    const m = await gw.metrics();
    assert.equal(metricValue(m, 'hushgate_sip_auth_failures'), 0);
    assert.equal(metricValue(m, 'hushgate_sip_auth_replays'), 0);
    assert.equal(metricValue(m, 'hushgate_sip_auth_throttled_total'), 0);
  } finally {
    assert.equal(await gw.stop(), 0);
  }
});
