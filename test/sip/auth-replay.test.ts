/**
 * Digest replay (Hushgate issue 14 item 2), in two layers:
 *  - the verifier's nonce tracking (src/sip/auth/digest.ts): nc must rise per nonce, the same
 *    request retransmitted is not a replay, a client without qop gets a one-time nonce, and the
 *    table stays bounded without reopening a replay when it evicts;
 *  - from outside, over UDP against the gateway process: a captured `Authorization` replayed on a
 *    new INVITE (new Call-ID, tag and branch) gets 401 with a fresh nonce and `stale=false`; the
 *    legitimate INVITE retransmitted (same branch) is not treated as a replay; a client reusing a
 *    nonce with a higher nc is admitted. SIPp's own digest still completes calls (auth-sipp.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorizationFor, digestResponse, DigestVerifier, NonceTracker, parseChallenge } from '../../src/sip/auth/digest.js';
import { startGateway, metricValue } from '../helpers/gateway-process.js';
import { RawSip, statusOf, header, PCMU_OFFER } from '../helpers/raw-sip.js';

const URI = 'sip:agent@gw.example';
const CRED = { username: 'trunk', password: 'correct horse' };

test('nonce tracking: nc must rise; a retransmission is not a replay; no qop means one use', () => {
  const v = new DigestVerifier('hushgate', [{ username: 'trunk', password: 'correct horse' }]);
  const ch = parseChallenge(v.challenges()[0]!)!;
  const a1 = authorizationFor(ch, CRED, 'INVITE', URI, 1);
  const req = { callId: 'c1', branch: 'z9hG4bK1' };
  assert.deepEqual(v.verify(a1, 'INVITE', req), { ok: true, username: 'trunk' });
  assert.deepEqual(v.verify(a1, 'INVITE', req), { ok: true, username: 'trunk' }, 'same request again: a retransmission');
  assert.deepEqual(v.verify(a1, 'INVITE', { callId: 'c2', branch: 'z9hG4bK2' }), { ok: false, reason: 'replay' });
  assert.deepEqual(v.verify(a1, 'INVITE'), { ok: false, reason: 'replay' }, 'no request identity: never a retransmission');
  assert.deepEqual(v.verify(authorizationFor(ch, CRED, 'INVITE', URI, 3), 'INVITE', { callId: 'c3', branch: 'b3' }), { ok: true, username: 'trunk' }, 'a higher nc is fine');
  assert.deepEqual(v.verify(authorizationFor(ch, CRED, 'INVITE', URI, 2), 'INVITE', { callId: 'c4', branch: 'b4' }), { ok: false, reason: 'replay' }, 'nc may not go back');

  // RFC 2069 style (no qop, no nc): the nonce is good for one request.
  const ch2 = parseChallenge(v.challenges()[0]!)!;
  const noQop = { ...ch2, qop: undefined };
  const a2 = authorizationFor(noQop, CRED, 'INVITE', URI);
  assert.doesNotMatch(a2, /nc=/);
  assert.deepEqual(v.verify(a2, 'INVITE', { callId: 'x', branch: 'y' }), { ok: true, username: 'trunk' });
  assert.deepEqual(v.verify(a2, 'INVITE', { callId: 'x2', branch: 'y2' }), { ok: false, reason: 'replay' });
  // A wrong response never creates state (a guesser cannot fill the table).
  const before = v.trackedNonces;
  v.verify(authorizationFor(parseChallenge(v.challenges()[0]!)!, { username: 'trunk', password: 'guess' }, 'INVITE', URI), 'INVITE');
  assert.equal(v.trackedNonces, before);
  assert.match(v.challenges()[0]!, /^Digest realm="hushgate", nonce="[^"]+", algorithm=SHA-256, qop="auth"$/, 'fresh challenges carry no stale flag');
  assert.equal(digestResponse({ algorithm: 'MD5', username: 'a', realm: 'r', password: 'p', method: 'INVITE', uri: 'u', nonce: 'n' }).length, 32);
});

test('the nonce table is bounded; evicting never reopens a replay (older nonces become stale instead)', () => {
  const t = new NonceTracker(300, 3);
  assert.equal(t.use('n1', 100, 1, 'r1', 100), 'ok');
  assert.equal(t.use('n2', 101, 1, 'r2', 101), 'ok');
  assert.equal(t.use('n3', 102, 1, 'r3', 102), 'ok');
  assert.equal(t.use('n4', 103, 1, 'r4', 103), 'ok', 'the oldest (n1) goes');
  assert.equal(t.size, 3);
  assert.equal(t.use('n1', 100, 1, 'other', 104), 'stale', 'n1 was evicted: re-authenticate, not a free pass');
  assert.equal(t.use('n0', 99, 1, 'r0', 104), 'stale', 'an unused nonce older than the eviction floor too');
  assert.equal(t.use('n2', 101, 1, 'other', 104), 'replay', 'still tracked');
  assert.equal(t.use('n5', 200, 1, 'r5', 200), 'ok');
  // Expired entries go (the verifier answers their nonce stale before asking the table).
  assert.equal(t.use('n6', 1000, 1, 'r6', 1000), 'ok');
  assert.ok(t.size <= 3);
});

test('a captured Authorization replayed on a new INVITE gets 401 with a fresh nonce and stale=false; retransmissions and a rising nc pass', { timeout: 30_000 }, async () => {
  const gw = await startGateway({
    sip: { auth: { realm: 'hushgate.test', users: [{ username: 'trunk', password: 'correct horse' }] } },
    accounts: [{ id: 'a', applications: [{ id: 'h', numbers: ['service'], mode: 'hold' }] }],
  });
  const raw = await RawSip.open();
  const sdp = ['Content-Type: application/sdp'];
  const invite = (extra: string[] = [], opts: { callId?: string; branch?: string } = {}) => raw.request('INVITE', { port: gw.sipPort, headers: [...sdp, ...extra], body: PCMU_OFFER(), ...opts });
  const final = (callId: string) => raw.receive((m) => m.includes(callId) && statusOf(m) >= 200 && /CSeq: \d+ INVITE/.test(m));
  const bye = async (callId: string, ok: string) => {
    const toTag = /^To:.*;tag=([^;\s>]+)/m.exec(ok)![1]!;
    const ack = raw.request('ACK', { port: gw.sipPort, callId, toTag });
    raw.send(ack.text, gw.sipPort);
    raw.send(raw.request('BYE', { port: gw.sipPort, callId, toTag, cseq: 2 }).text, gw.sipPort);
    await raw.receive((m) => m.includes(callId) && /CSeq: 2 BYE/.test(m));
  };
  try {
    // The legitimate caller: challenged, answers with nc=1.
    const first = invite();
    raw.send(first.text, gw.sipPort);
    const challenge = await final(first.callId);
    assert.equal(statusOf(challenge), 401);
    const ch = parseChallenge(header(challenge, 'WWW-Authenticate')!)!;
    const authz = `Authorization: ${authorizationFor(ch, CRED, 'INVITE', `sip:service@127.0.0.1:${gw.sipPort}`, 1)}`;
    const legit = invite([authz]);
    raw.send(legit.text, gw.sipPort);
    raw.send(legit.text, gw.sipPort); // a retransmission (same branch): absorbed, never a second verification failure
    const ok = await final(legit.callId);
    assert.equal(statusOf(ok), 200, ok.split('\r\n')[0]);
    await raw.barrier(gw.sipPort);
    assert.ok(!raw.pending().some((m) => m.includes(legit.callId) && statusOf(m) === 401), 'the retransmission was not answered 401');
    await bye(legit.callId, ok);

    // The attacker replays the captured header: new Call-ID, new tag (from the Call-ID), new branch.
    const replay = invite([authz]);
    raw.send(replay.text, gw.sipPort);
    const refused = await final(replay.callId);
    assert.equal(statusOf(refused), 401, 'replay refused');
    const fresh = parseChallenge(header(refused, 'WWW-Authenticate')!)!;
    assert.notEqual(fresh.nonce, ch.nonce, 'a fresh nonce');
    assert.notEqual(fresh.stale, true, 'stale=false: the sender must prove the password again');

    // A client that keeps the nonce and counts up (preemptive authentication) is fine.
    const next = invite([`Authorization: ${authorizationFor(ch, CRED, 'INVITE', `sip:service@127.0.0.1:${gw.sipPort}`, 2)}`]);
    raw.send(next.text, gw.sipPort);
    const ok2 = await final(next.callId);
    assert.equal(statusOf(ok2), 200);
    await bye(next.callId, ok2);
    assert.equal(metricValue(await gw.metrics(), 'hushgate_sip_auth_replays'), 1);
  } finally {
    raw.close();
    assert.equal(await gw.stop(), 0);
  }
});
