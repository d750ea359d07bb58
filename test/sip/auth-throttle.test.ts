/**
 * Throttling of password guessing (Hushgate issue 14 item 3).
 *  - `AuthThrottle` with a hand-driven clock: back-off, pair block, doubling, per-source block for
 *    a sprayer, per-username block that spares trusted sources, reset on success, bounded memory,
 *    IPv6 /64 accounting.
 *  - From outside over UDP against the gateway process: a flood of wrong guesses from one source is
 *    answered 401 only a handful of times, then 403 + Retry-After without verification; the right
 *    password is not accepted during back-off or block; the same trunk from another address is not
 *    locked out; after the short block the right password works; one log line per block, not one
 *    per failure; the Prometheus counters count it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle, DEFAULT_AUTH_THROTTLE, sourceKey } from '../../src/sip/auth/throttle.js';
import { authorizationFor, parseChallenge } from '../../src/sip/auth/digest.js';
import { startGateway, metricValue } from '../helpers/gateway-process.js';
import { parseConfig } from '../../src/config/load.js';
import { RawSip, statusOf, header, PCMU_OFFER } from '../helpers/raw-sip.js';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

test('back-off, then a short block that doubles; a success resets the pair', () => {
  const c = clock();
  const th = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, maxFailures: 5, backoffAfter: 3, blockSec: 10, maxBlockSec: 40 }, c.now);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(th.check('198.51.100.7', 'trunk'), { ok: true });
    assert.deepEqual(th.failure('198.51.100.7', 'trunk'), { first: i === 0, blocks: [] });
  }
  assert.deepEqual(th.check('198.51.100.7', 'trunk'), { ok: false, scope: 'backoff', retryAfterSec: 1 });
  assert.deepEqual(th.check('198.51.100.8', 'trunk'), { ok: true }, 'another source is not affected');
  c.advance(1000);
  assert.deepEqual(th.check('198.51.100.7', 'trunk'), { ok: true });
  th.failure('198.51.100.7', 'trunk');
  assert.deepEqual(th.check('198.51.100.7', 'trunk'), { ok: false, scope: 'backoff', retryAfterSec: 2 }, 'the wait doubles');
  c.advance(2000);
  assert.deepEqual(th.failure('198.51.100.7', 'trunk').blocks, [{ scope: 'pair', failures: 5, blockSec: 10 }]);
  assert.deepEqual(th.check('198.51.100.7', 'trunk'), { ok: false, scope: 'pair', retryAfterSec: 10 });
  assert.deepEqual(th.check('198.51.100.7', 'other'), { ok: true }, 'the pair, not the source');
  c.advance(10_000);
  for (let i = 0; i < 5; i++) {
    c.advance(2000); // outside the back-off, inside the window
    th.failure('198.51.100.7', 'trunk');
  }
  assert.deepEqual(th.check('198.51.100.7', 'trunk'), { ok: false, scope: 'pair', retryAfterSec: 20 }, 'a repeat block lasts twice as long');
  assert.equal(th.blocks.pair, 2);
  c.advance(20_000);
  th.failure('198.51.100.7', 'trunk');
  th.success('198.51.100.7', 'trunk');
  assert.deepEqual(th.check('198.51.100.7', 'trunk'), { ok: true });
  assert.deepEqual(th.failure('198.51.100.7', 'trunk'), { first: true, blocks: [] }, 'counting starts again after a success');
});

test('a source spraying usernames is blocked as a source; distributed guessing on one name spares trusted sources', () => {
  const c = clock();
  const th = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, maxFailures: 10, backoffAfter: 10, maxFailuresPerSource: 12, maxFailuresPerUser: 20 }, c.now);
  const started = [];
  for (let i = 0; i < 12; i++) started.push(...th.failure('203.0.113.9', `user${i % 4}`).blocks);
  assert.deepEqual(started, [{ scope: 'source', failures: 12, blockSec: 30 }]);
  assert.equal(th.check('203.0.113.9').ok, false, 'even without credentials');
  assert.equal(th.check('203.0.113.9', 'user9').ok, false);

  th.success('192.0.2.1', 'trunk');
  for (let i = 0; i < 20; i++) th.failure(`10.9.${i}.1`, 'trunk');
  assert.deepEqual(th.check('10.9.99.1', 'trunk'), { ok: false, scope: 'user', retryAfterSec: 30 }, 'a new source for that name waits');
  assert.deepEqual(th.check('192.0.2.1', 'trunk'), { ok: true }, 'the trunk that authenticated before is not locked out');
  assert.deepEqual(th.check('10.9.99.1', 'someone-else'), { ok: true });
  const unknown = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, maxFailuresPerUser: 2 }, c.now);
  for (let i = 0; i < 5; i++) unknown.failure(`10.8.${i}.1`, '?');
  assert.deepEqual(unknown.blocks, { pair: 0, source: 0, user: 0 }, 'unknown names have no per-user account');
});

test('memory stays bounded under a spray of sources; IPv6 is accounted per /64', () => {
  const c = clock();
  const th = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, maxEntries: 500 }, c.now);
  for (let i = 0; i < 20_000; i++) {
    th.failure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'trunk');
    if (i % 3 === 0) th.success(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'trunk');
  }
  assert.ok(th.size <= 1000, `entries ${th.size}`);
  assert.equal(sourceKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(sourceKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(sourceKey('::ffff:192.0.2.4'), '192.0.2.4');
  assert.equal(sourceKey('2001:db8::7'), '2001:db8:0:0::/64');
  const v6 = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, maxFailures: 100, backoffAfter: 100, maxFailuresPerSource: 3 }, c.now);
  for (let i = 1; i <= 3; i++) v6.failure(`2001:db8:1:2::${i}`, 'trunk');
  assert.equal(v6.check('2001:db8:1:2::ffff', 'trunk').ok, false, 'hopping addresses inside a /64 does not help');
  assert.equal(v6.check('2001:db8:1:3::1', 'trunk').ok, true);
});

test('config: sip.auth.throttle defaults are the documented ones; nonsense is refused', () => {
  const auth = { realm: 'r', users: [{ username: 'trunk', password: 'correct horse' }] };
  const c = parseConfig({ sip: { auth } });
  assert.deepEqual(c.sip.auth!.throttle, { enabled: true, ...DEFAULT_AUTH_THROTTLE });
  assert.equal(c.sip.auth!.maxTrackedNonces, 10_000);
  assert.throws(() => parseConfig({ sip: { auth: { ...auth, throttle: { blockSec: 600, maxBlockSec: 60 } } } }), /maxBlockSec/);
  assert.throws(() => parseConfig({ sip: { auth: { ...auth, throttle: { maxFailures: 0 } } } }), /maxFailures/);
});

test('a guessing flood from one source over UDP: 401 a few times, then 403 unverified; the trunk elsewhere is not locked out; one log line per block', { timeout: 40_000 }, async () => {
  const gw = await startGateway({
    sip: {
      auth: {
        realm: 'hushgate.test',
        users: [{ username: 'trunk', password: 'correct horse' }],
        throttle: { maxFailures: 5, backoffAfter: 3, blockSec: 2, maxBlockSec: 4 },
      },
    },
    accounts: [{ id: 'a', applications: [{ id: 'h', numbers: ['service'], mode: 'hold' }] }],
  });
  const attacker = await RawSip.open('127.0.0.1');
  const trunk = await RawSip.open('127.0.0.2');
  const target = `sip:service@127.0.0.1:${gw.sipPort}`;
  const attempt = async (from: RawSip, password: string | undefined, nonce?: ReturnType<typeof parseChallenge>) => {
    const headers = ['Content-Type: application/sdp', ...(password && nonce ? [`Authorization: ${authorizationFor(nonce, { username: 'trunk', password }, 'INVITE', target)}`] : [])];
    const r = from.request('INVITE', { port: gw.sipPort, headers, body: PCMU_OFFER() });
    from.send(r.text, gw.sipPort);
    return from.receive((m) => m.includes(r.callId) && statusOf(m) >= 200);
  };
  const hangUp = (from: RawSip, ok: string) => {
    const callId = header(ok, 'Call-ID')!;
    const toTag = /^To:.*;tag=([^;\s>]+)/m.exec(ok)![1]!;
    from.send(from.request('ACK', { port: gw.sipPort, callId, toTag }).text, gw.sipPort);
    from.send(from.request('BYE', { port: gw.sipPort, callId, toTag, cseq: 2 }).text, gw.sipPort);
  };
  try {
    const nonce = parseChallenge(header(await attempt(attacker, undefined), 'WWW-Authenticate')!)!;
    // 200 guesses as fast as the socket goes: a wrong response creates no nonce state, so one nonce serves them all.
    const statuses = new Map<number, number>();
    const t0 = Date.now();
    const sent = await Promise.all(Array.from({ length: 200 }, (_, i) => attempt(attacker, `guess-${i}`, nonce)));
    for (const m of sent) statuses.set(statusOf(m), (statuses.get(statusOf(m)) ?? 0) + 1);
    const floodMs = Date.now() - t0;
    assert.equal(statuses.get(401), 3, `verified (401) only until the back-off: ${[...statuses]}`);
    assert.equal(statuses.get(403), 197);
    const refused = sent.find((m) => statusOf(m) === 403)!;
    assert.match(refused, /^SIP\/2\.0 403 Forbidden - too many authentication failures/);
    assert.match(header(refused, 'Retry-After') ?? '', /^\d+$/);
    assert.equal(statusOf(await attempt(attacker, 'correct horse', nonce)), 403, 'the right password is not accepted during the back-off');

    // Wait out the back-off twice (1 s, 2 s): the 5th failure starts the block.
    for (const waitMs of [1100, 2100]) {
      await new Promise((r) => setTimeout(r, waitMs));
      assert.equal(statusOf(await attempt(attacker, 'still-wrong', nonce)), 401);
    }
    const blocked = await attempt(attacker, 'correct horse', nonce);
    assert.equal(statusOf(blocked), 403, 'blocked: the right password is not verified');
    // The trunk itself, from its own address, is not locked out by the attacker's failures.
    const ok = await attempt(trunk, 'correct horse', parseChallenge(header(await attempt(trunk, undefined), 'WWW-Authenticate')!)!);
    assert.equal(statusOf(ok), 200, ok.split('\r\n')[0]);
    hangUp(trunk, ok);

    // The block is short: after it the right password works from the attacker's address too.
    await new Promise((r) => setTimeout(r, 2100));
    const fresh = parseChallenge(header(await attempt(attacker, undefined), 'WWW-Authenticate')!)!;
    const after = await attempt(attacker, 'correct horse', fresh);
    assert.equal(statusOf(after), 200, after.split('\r\n')[0]);
    hangUp(attacker, after);

    const metrics = await gw.metrics();
    assert.equal(metricValue(metrics, 'hushgate_sip_auth_blocks_total\\{scope="pair"\\}'), 1);
    assert.ok((metricValue(metrics, 'hushgate_sip_auth_throttled_total') ?? 0) >= 199);
    assert.equal(metricValue(metrics, 'hushgate_sip_auth_failures'), 5);
    const entries = gw.logEntries();
    assert.equal(entries.filter((e) => e.msg === 'authentication attempts blocked').length, 1, 'one line per block');
    assert.equal(entries.filter((e) => e.msg === 'digest authentication failed').length, 1, 'not one per failure');
    const block = entries.find((e) => e.msg === 'authentication attempts blocked')!;
    assert.deepEqual({ scope: block.scope, source: block.source, failures: block.failures, blockSec: block.blockSec }, { scope: 'pair', source: '127.0.0.1', failures: 5, blockSec: 2 });
    assert.ok(!gw.logs.some((l) => l.includes('guess-') || l.includes('correct horse') || l.includes('"trunk"')), 'no password or username in the logs');
    console.log(`# flood: 200 guesses in ${floodMs} ms → ${[...statuses].map(([s, n]) => `${n}×${s}`).join(', ')}`);
  } finally {
    attacker.close();
    trunk.close();
    assert.equal(await gw.stop(), 0);
  }
});
