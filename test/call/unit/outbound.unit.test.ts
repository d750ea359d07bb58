/** Outbound admission without sockets: destinations, the toll-fraud guard, trunk choice, caller ID, number formats, limits on FakeClock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/time/clock.js';
import { parseDestination, checkAllowed } from '../../../src/call/outbound/destination.js';
import { chooseTrunk, dialPlan, trunkHost } from '../../../src/call/outbound/trunks.js';
import { trunkSchema } from '../../../src/tenancy/index.js';
import { TrunkLimiter } from '../../../src/call/outbound/limits.js';
import { admitOutbound } from '../../../src/call/outbound/admission.js';
import { configSchema } from '../../../src/config/schema.js';

const trunk = (o: Record<string, unknown> = {}) => trunkSchema.parse({ name: 't', uri: 'sip:sbc.example:5080', ...o });

test('destinations: E.164, tel:, national and 00-international numbers normalise; sip: needs a number user part; other text is refused', () => {
  assert.deepEqual(parseDestination('+44 20 7946 0958', 'US'), { ok: true, value: { number: '+442079460958' } });
  assert.deepEqual(parseDestination('tel:+1-415-555-0123', 'US'), { ok: true, value: { number: '+14155550123' } });
  assert.deepEqual(parseDestination('(415) 555-0123', 'US'), { ok: true, value: { number: '+14155550123' } });
  assert.deepEqual(parseDestination('00442079460958', 'US'), { ok: true, value: { number: '+442079460958' } });
  assert.deepEqual(parseDestination('sip:+442079460958@SBC.example:5080', 'US'), { ok: true, value: { number: '+442079460958', sipHost: { host: 'sbc.example', port: 5080 } } });
  for (const bad of ['sip:alice@sbc.example', 'hello', '+12', 'sip:', 'mailto:x@y', '+44 20 7946 0958; drop']) assert.equal(parseDestination(bad, 'US').ok, false, bad);
});

test('allowed prefixes: none configured refuses everything; a number must start with one', () => {
  assert.equal(checkAllowed('+442079460958', []).ok, false);
  assert.equal(checkAllowed('+442079460958', ['+4420']).ok, true);
  assert.equal(checkAllowed('+882900123456', ['+4420', '+1']).ok, false);
  assert.equal(checkAllowed('+882900123456', ['+']).ok, true, '"+" allows all, on purpose');
});

test('trunk choice: asked by name, by a sip: host, else the first; Request-URI formats and caller ID rules', () => {
  const a = trunk({ name: 'a' });
  const b = trunk({ name: 'b', uri: '10.0.0.2', transport: 'tcp', numbers: { format: 'national', dialPrefix: '9' }, callerId: { default: '+442071230000', allowed: ['+44207123'] } });
  assert.deepEqual(trunkHost(b), { host: '10.0.0.2', port: 5060 });
  assert.equal(chooseTrunk([a, b], { number: '+1' }).ok && (chooseTrunk([a, b], { number: '+1' }) as { value: { name: string } }).value.name, 'a');
  assert.equal((chooseTrunk([a, b], { number: '+1' }, 'b') as { value: { name: string } }).value.name, 'b');
  assert.equal((chooseTrunk([a, b], { number: '+1', sipHost: { host: '10.0.0.2' } }) as { value: { name: string } }).value.name, 'b');
  assert.equal(chooseTrunk([a, b], { number: '+1', sipHost: { host: 'evil.example' } }).ok, false);
  assert.equal(chooseTrunk([], { number: '+1' }).ok, false);
  const plan = dialPlan(b, '+442079460958', undefined, 'US');
  assert.ok(plan.ok);
  assert.equal(plan.value.target, 'sip:902079460958@10.0.0.2:5060;transport=tcp');
  assert.equal(plan.value.fromUser, '+442071230000');
  assert.equal(dialPlan(b, '+442079460958', '+442071234567', 'US').ok, true);
  assert.equal(dialPlan(b, '+442079460958', '+15555550100', 'US').ok, false);
  assert.equal(dialPlan(a, '+442079460958', undefined, 'US').ok && (dialPlan(a, '+442079460958', undefined, 'US') as { value: { fromUser: string } }).value.fromUser, 'anonymous');
  const hidden = dialPlan(trunk({ callerId: { default: '+442071230000', withhold: true }, numbers: { format: 'e164-no-plus' } }), '+442079460958', undefined, 'US');
  assert.ok(hidden.ok);
  assert.equal(hidden.value.fromUser, 'anonymous');
  assert.deepEqual(hidden.value.headers, [['Privacy', 'id'], ['P-Asserted-Identity', '<sip:+442071230000@sbc.example>']]);
  assert.equal(hidden.value.target, 'sip:442079460958@sbc.example:5080');
});

test('limits: calls per second refill on the clock; concurrency until released', () => {
  const clock = new FakeClock();
  const l = new TrunkLimiter({ callsPerSecond: 2, maxConcurrent: 3 }, clock);
  assert.ok(l.acquire().ok);
  assert.ok(l.acquire().ok);
  assert.deepEqual(l.acquire(), { ok: false, limit: 'callsPerSecond' });
  clock.advance(500);
  assert.ok(l.acquire().ok);
  clock.advance(1000);
  assert.deepEqual(l.acquire(), { ok: false, limit: 'maxConcurrent' });
  l.release();
  assert.ok(l.acquire().ok);
});

test('admission: unknown account/application 404, an account without outbound section refused, a shared trunk keyed by name', () => {
  const cfg = configSchema.parse({
    trunks: [{ name: 'shared', uri: 'sip:sbc.example' }],
    accounts: [{ id: 'a', outbound: { allowedPrefixes: ['+44'], trunks: ['shared'] }, applications: [{ id: 'p' }] }, { id: 'b', applications: [{ id: 'q' }] }],
  });
  const admit = (r: Record<string, string>) => admitOutbound({ accountId: 'a', applicationId: 'p', to: '+442079460958', ...r }, cfg.accounts, cfg.trunks, 'US');
  assert.equal(admit({ accountId: 'x' }).ok || (admit({ accountId: 'x' }) as { error: { status: number } }).error.status, 404);
  assert.equal((admit({ applicationId: 'x' }) as { error: { status: number } }).error.status, 404);
  assert.equal((admit({ accountId: 'b', applicationId: 'q' }) as { error: { code: string } }).error.code, 'destination_not_allowed');
  const ok = admit({});
  assert.ok(ok.ok);
  assert.equal(ok.value.trunkKey, 'shared');
  assert.throws(() => configSchema.parse({ accounts: [{ id: 'a', outbound: { trunks: ['nope'] } }] }), /no trunk named .*nope/);
  assert.throws(() => configSchema.parse({ accounts: [{ id: 'a', outbound: { allowedPrefixes: ['44'] } }] }), /E\.164 prefix/);
});
