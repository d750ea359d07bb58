/** Digest authentication (src/sip/auth/digest.ts): RFC test vectors, parsing, the stateless verifier. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { authorizationFor, digestHash, digestResponse, DigestVerifier, parseChallenge, parseDigestParams } from '../../src/sip/auth/digest.js';

test('RFC 2617 §3.5 example (MD5, qop=auth)', () => {
  assert.equal(
    digestResponse({ algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' }),
    '6629fae49393a05397450978507c4ef1',
  );
});

test('RFC 7616 §3.9.1 examples (SHA-256 and MD5)', () => {
  const common = { username: 'Mufasa', realm: 'http-auth@example.org', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: 'auth' as const, nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };
  assert.equal(digestResponse({ ...common, algorithm: 'SHA-256' }), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  assert.equal(digestResponse({ ...common, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
});

test('header parsing: quoted strings with commas and escapes, case-insensitive names, non-Digest schemes', () => {
  const p = parseDigestParams('Digest Realm="a, b \\"c\\"", NONCE=abc, qop="auth,auth-int", algorithm=SHA-256');
  assert.deepEqual(p, { realm: 'a, b "c"', nonce: 'abc', qop: 'auth,auth-int', algorithm: 'SHA-256' });
  assert.equal(parseDigestParams('Basic realm="x"'), undefined);
  assert.deepEqual(parseChallenge('Digest realm="r", nonce="n", qop="auth,auth-int", stale=TRUE'), { realm: 'r', nonce: 'n', algorithm: 'MD5', qop: ['auth', 'auth-int'], stale: true });
  assert.equal(parseChallenge('Digest realm="r", nonce="n", algorithm=SHA-512-256'), undefined, 'unknown algorithm');
  fc.assert(fc.property(fc.string(), (s) => { parseDigestParams(`Digest ${s}`); parseChallenge(s); }), { numRuns: 500 });
});

test('verifier: our own client answers our challenge; wrong password, other realm, forged or stale nonces fail', () => {
  let now = Date.UTC(2026, 0, 1);
  const v = new DigestVerifier('hushgate', [{ username: 'trunk', password: 'correct horse' }, { username: 'legacy', ha1Md5: digestHash('MD5', 'legacy:hushgate:battery staple') }], { nonceTtlSec: 60, now: () => now });
  const [sha, md5] = v.challenges().map((c) => parseChallenge(c)!);
  assert.equal(sha!.algorithm, 'SHA-256');
  assert.equal(md5!.algorithm, 'MD5');
  const uri = 'sip:agent@gw.example';
  assert.deepEqual(v.verify(authorizationFor(sha!, { username: 'trunk', password: 'correct horse' }, 'INVITE', uri), 'INVITE'), { ok: true, username: 'trunk' });
  // One nonce serves one client: the MD5 user takes a challenge of its own (the first nonce is now in use).
  const md5Fresh = parseChallenge(v.challenges()[1]!)!;
  assert.deepEqual(v.verify(authorizationFor(md5Fresh, { username: 'legacy', password: 'battery staple' }, 'INVITE', uri), 'INVITE'), { ok: true, username: 'legacy' });
  assert.deepEqual(v.verify(authorizationFor(md5!, { username: 'legacy', password: 'battery staple' }, 'INVITE', uri), 'INVITE'), { ok: false, reason: 'replay' }, 'nc 1 again on a used nonce');
  assert.deepEqual(v.verify(authorizationFor(sha!, { username: 'trunk', password: 'wrong' }, 'INVITE', uri), 'INVITE'), { ok: false, reason: 'bad-response' });
  assert.deepEqual(v.verify(authorizationFor(sha!, { username: 'trunk', password: 'correct horse' }, 'BYE', uri), 'INVITE'), { ok: false, reason: 'bad-response' }, 'the method is covered');
  assert.deepEqual(v.verify(authorizationFor({ ...sha!, realm: 'other' }, { username: 'trunk', password: 'correct horse' }, 'INVITE', uri), 'INVITE'), { ok: false, reason: 'realm' });
  assert.deepEqual(v.verify(authorizationFor({ ...sha!, nonce: '1767225600.AAAA.forged' }, { username: 'trunk', password: 'correct horse' }, 'INVITE', uri), 'INVITE'), { ok: false, reason: 'bad-response' });
  assert.deepEqual(v.verify(authorizationFor(sha!, { username: 'nobody', password: 'x' }, 'INVITE', uri), 'INVITE'), { ok: false, reason: 'unknown-user' });
  assert.deepEqual(v.verify(undefined, 'INVITE'), { ok: false, reason: 'missing' });
  assert.deepEqual(v.verify('Digest username="trunk"', 'INVITE'), { ok: false, reason: 'malformed' });
  const answer = authorizationFor(sha!, { username: 'trunk', password: 'correct horse' }, 'INVITE', uri);
  now += 61_000;
  assert.deepEqual(v.verify(answer, 'INVITE'), { ok: false, reason: 'stale' });
  assert.match(v.challenges(true)[0]!, /stale=true/);
});
