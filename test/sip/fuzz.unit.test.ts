/**
 * Property tests (fast-check, bounded runs): random and mutated bytes never make the parser,
 * the URI parser or the stream framer throw; generated valid messages and URIs round-trip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Headers } from '../../src/sip/message.js';
import type { SipRequest, SipUri } from '../../src/sip/message.js';
import { checkRequest, formatNameAddr, formatUri, parseMessage, parseNameAddr, parseUri, parseVia } from '../../src/sip/parse/index.js';
import { serializeMessage } from '../../src/sip/serialize.js';
import { StreamFramer } from '../../src/sip/stream-framer.js';
import { rfc4475Message, rfc4475Names } from './fixtures/load-rfc4475.js';

const seeds = rfc4475Names().map(rfc4475Message);

function exercise(buf: Buffer): void {
  const r = parseMessage(buf);
  assert.equal(typeof r.ok, 'boolean');
  if (r.ok && r.value.kind === 'request') checkRequest(r.value);
  for (const v of r.ok ? r.value.headers.getAll('Via') : []) parseVia(v);
  for (const h of ['From', 'To', 'Contact']) for (const v of r.ok ? r.value.headers.getAll(h) : []) parseNameAddr(v);
}

test('random bytes never throw out of parseMessage / checkRequest / the header parsers', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => exercise(Buffer.from(bytes))),
    { numRuns: 1500 },
  );
});

test('mutated torture messages (flips, truncations, insertions) never throw', () => {
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    ops: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.constantFrom('\r\n', ',', ';', '"', '<', '>', ':', ' ', '\\', '%', '\r\n ', '\0') }),
      ),
      { minLength: 1, maxLength: 6 },
    ),
  });
  fc.assert(
    fc.property(mutation, ({ seed, ops }) => {
      let b = Buffer.from(seeds[seed]!);
      for (const op of ops) {
        const at = b.length === 0 ? 0 : op.at % b.length;
        if (op.kind === 'flip' && b.length > 0) b[at] = op.byte;
        else if (op.kind === 'cut') b = b.subarray(0, at);
        else if (op.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(op.bytes), b.subarray(at)]);
      }
      exercise(b);
      const f = new StreamFramer();
      for (const r of f.push(b)) if (r.ok) exercise(r.value);
    }),
    { numRuns: 3000 },
  );
});

test('parseUri never throws on arbitrary strings', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40 }).map((s) => 'sip:' + s)), (s) => {
      const r = parseUri(s);
      if (r.ok) assert.ok(parseUri(formatUri(r.value)).ok, 'a parsed URI formats to a parsable one');
    }),
    { numRuns: 2000 },
  );
});

test('StreamFramer.push never throws and frames the same messages however the stream is cut', () => {
  const stream = Buffer.concat(
    ['wsinv', 'esc01', 'mpart01', 'longreq', 'unreason'].map((n) => {
      // Streams need Content-Length; every one of these has it.
      return rfc4475Message(n);
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 60 }), (sizes) => {
      const f = new StreamFramer();
      const out: Buffer[] = [];
      let i = 0;
      let k = 0;
      while (i < stream.length) {
        const n = sizes[k++ % sizes.length]!;
        for (const r of f.push(stream.subarray(i, i + n))) {
          assert.ok(r.ok);
          out.push(r.value);
        }
        i += n;
      }
      assert.equal(out.length, 5);
      assert.deepEqual(Buffer.concat(out), stream);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
      const f = new StreamFramer({ maxBytes: 2000 });
      for (const c of chunks) f.push(Buffer.from(c));
    }),
    { numRuns: 500 },
  );
});

const token = fc.stringMatching(/^[a-z][a-z0-9.!%*_+`'~-]{0,10}$/);
const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
const anyText = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));
const uriArb: fc.Arbitrary<SipUri> = fc
  .record({
    scheme: fc.constantFrom('sip' as const, 'sips' as const),
    user: fc.option(anyText, { nil: undefined }),
    host: fc.oneof(fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.')), fc.constantFrom('192.0.2.7', '[2001:db8::1]')),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    params: fc.array(fc.tuple(token, fc.option(anyText, { nil: null })), { maxLength: 3 }),
    headers: fc.array(fc.tuple(token, fc.string({ maxLength: 8 })), { maxLength: 2 }),
  })
  .map((r) => {
    const uri: SipUri = { scheme: r.scheme, host: r.host, params: new Map(r.params), headers: new Map(r.headers) };
    if (r.user !== undefined) uri.user = r.user;
    if (r.port !== undefined) uri.port = r.port;
    return uri;
  });

test('formatUri / parseUri round-trip generated URIs (escaping included)', () => {
  fc.assert(
    fc.property(uriArb, (uri) => {
      const r = parseUri(formatUri(uri));
      assert.ok(r.ok, formatUri(uri));
      assert.deepEqual(r.value, uri);
    }),
    { numRuns: 1500 },
  );
});

test('formatNameAddr / parseNameAddr round-trip generated addresses', () => {
  const arb = fc.record({
    displayName: fc.option(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\r\n]/.test(s) && s.trim() === s && !/ {2}/.test(s)), { nil: undefined }),
    uri: uriArb.map((u) => ({ ...u, headers: new Map<string, string>() })),
    params: fc.array(fc.tuple(token, fc.option(token, { nil: null })), { maxLength: 3 }).map((p) => new Map(p)),
  });
  fc.assert(
    fc.property(arb, (na) => {
      const text = formatNameAddr(na.displayName === undefined ? { uri: na.uri, params: na.params } : na);
      const r = parseNameAddr(text);
      assert.ok(r.ok, text);
      assert.equal(r.value.displayName, na.displayName);
      assert.deepEqual(r.value.uri, na.uri);
      assert.deepEqual(r.value.params, na.params);
    }),
    { numRuns: 1500 },
  );
});

test('parse(serialize(m)) equals m for generated requests', () => {
  const headerValue = fc.stringMatching(/^[!-+\--~]([ !-+\--~]{0,20}[!-+\--~])?$/);
  const arb = fc.record({
    method: fc.stringMatching(/^[A-Z][A-Z0-9_.!%*+`'~-]{0,9}$/),
    uri: uriArb,
    headers: fc.array(fc.tuple(fc.constantFrom('Via', 'Contact', 'Subject', 'X-Thing', 'User-Agent', 'Call-ID', 'Supported'), headerValue), { maxLength: 8 }),
    body: fc.uint8Array({ maxLength: 64 }),
  });
  fc.assert(
    fc.property(arb, ({ method, uri, headers, body }) => {
      const m: SipRequest = { kind: 'request', method, uri, version: 'SIP/2.0', headers: Headers.from(headers), body: Buffer.from(body) };
      m.headers.set('Content-Length', String(body.length));
      const r = parseMessage(serializeMessage(m));
      assert.ok(r.ok, r.ok ? '' : r.error.reason);
      assert.equal(r.value.kind, 'request');
      const back = r.value as SipRequest;
      assert.equal(back.method, m.method);
      assert.deepEqual(back.uri, m.uri);
      assert.equal(back.version, m.version);
      assert.deepEqual(back.headers.list(), m.headers.list());
      assert.deepEqual(back.body, m.body);
    }),
    { numRuns: 1000 },
  );
});
