/** StreamFramer: chunking, keep-alives, many messages per chunk, errors that close the connection. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamFramer } from '../../src/sip/stream-framer.js';
import { parseMessage } from '../../src/sip/parse/index.js';

function msg(n: number, body = ''): Buffer {
  return Buffer.from(
    `OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK${n}\r\nCall-ID: c${n}\r\nCSeq: ${n} OPTIONS\r\nl: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function values(rs: ReturnType<StreamFramer['push']>): Buffer[] {
  return rs.map((r) => {
    assert.ok(r.ok, r.ok ? '' : r.error.reason);
    return r.value;
  });
}

test('one message split byte by byte is framed once, exactly', () => {
  const f = new StreamFramer();
  const m = msg(1, 'hello\r\n\r\nworld');
  const out: Buffer[] = [];
  for (const b of m) out.push(...values(f.push(Buffer.from([b]))));
  assert.equal(out.length, 1);
  assert.deepEqual(out[0], m);
  assert.equal(f.pending, 0);
  const p = parseMessage(out[0]!, { stream: true });
  assert.ok(p.ok && p.value.body.toString() === 'hello\r\n\r\nworld');
});

test('many messages in one chunk, with CRLF keep-alives between them', () => {
  let pings = 0;
  const f = new StreamFramer({ onPing: () => pings++ });
  const parts = [Buffer.from('\r\n\r\n'), msg(1), Buffer.from('\r\n'), msg(2, 'x'), Buffer.from('\r\n\r\n'), msg(3), msg(4, 'yy')];
  const out = values(f.push(Buffer.concat(parts)));
  assert.deepEqual(out, [msg(1), msg(2, 'x'), msg(3), msg(4, 'yy')]);
  assert.equal(pings, 2);
});

test('a message completed across pushes, followed by the start of the next', () => {
  const f = new StreamFramer();
  const all = Buffer.concat([msg(1, 'abc'), msg(2, 'defg')]);
  const cut = msg(1, 'abc').length + 10;
  assert.deepEqual(values(f.push(all.subarray(0, 20))), []);
  assert.deepEqual(values(f.push(all.subarray(20, cut))), [msg(1, 'abc')]);
  assert.deepEqual(values(f.push(all.subarray(cut))), [msg(2, 'defg')]);
});

test('missing, malformed and conflicting Content-Length are framing errors; the framer is then dead', () => {
  for (const bad of [
    'OPTIONS sip:b@h SIP/2.0\r\nCall-ID: x\r\n\r\n',
    'OPTIONS sip:b@h SIP/2.0\r\nContent-Length: -1\r\n\r\n',
    'OPTIONS sip:b@h SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab',
  ]) {
    const f = new StreamFramer();
    const rs = f.push(Buffer.from(bad));
    assert.equal(rs.length, 1);
    assert.equal(rs[0]!.ok, false, bad);
    assert.ok(f.failed);
    assert.deepEqual(f.push(msg(1)), [], 'nothing is framed after an error');
  }
});

test('size limit: endless headers or a huge Content-Length close the connection', () => {
  const f = new StreamFramer({ maxBytes: 1000 });
  const rs: ReturnType<StreamFramer['push']> = [];
  rs.push(...f.push(Buffer.from('OPTIONS sip:b@h SIP/2.0\r\n')));
  for (let i = 0; i < 100 && rs.length === 0; i++) rs.push(...f.push(Buffer.from('X-Filler: ' + 'a'.repeat(50) + '\r\n')));
  assert.equal(rs.length, 1);
  assert.ok(!rs[0]!.ok && /too large/.test(rs[0]!.error.reason));
  const g = new StreamFramer({ maxBytes: 1000 });
  const r2 = g.push(Buffer.from('OPTIONS sip:b@h SIP/2.0\r\nContent-Length: 5000\r\n\r\n'));
  assert.ok(r2.length === 1 && !r2[0]!.ok);
});

test('framing cost stays linear: 2000 messages pushed in 7-byte chunks', () => {
  const f = new StreamFramer();
  const stream = Buffer.concat(Array.from({ length: 2000 }, (_, i) => msg(i, 'body' + i)));
  let count = 0;
  const t0 = performance.now();
  for (let i = 0; i < stream.length; i += 7) count += values(f.push(stream.subarray(i, i + 7))).length;
  const ms = performance.now() - t0;
  assert.equal(count, 2000);
  assert.ok(ms < 3000, `took ${ms} ms`);
});
