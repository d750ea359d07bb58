/** serializeMessage: canonical names, CRLF, Content-Length always right, header injection impossible, round trip. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Headers } from '../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { parseMessage, parseUri } from '../../src/sip/parse/index.js';
import { serializeMessage } from '../../src/sip/serialize.js';

function request(body = ''): SipRequest {
  const uri = parseUri('sip:bob@example.com;transport=udp');
  assert.ok(uri.ok);
  return {
    kind: 'request',
    method: 'INVITE',
    uri: uri.value,
    version: 'SIP/2.0',
    headers: Headers.from([
      ['v', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1'],
      ['via', 'SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2'],
      ['f', '<sip:alice@example.com>;tag=1'],
      ['t', '<sip:bob@example.com>'],
      ['i', 'c1@h'],
      ['cseq', '1 INVITE'],
      ['Content-Length', '999'],
      ['X-Custom', 'a, b'],
    ]),
    body: Buffer.from(body),
  };
}

test('serializeMessage writes canonical names, one line per entry, CRLF and the real Content-Length', () => {
  const text = serializeMessage(request('v=0\r\n')).toString();
  assert.equal(
    text,
    [
      'INVITE sip:bob@example.com;transport=udp SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1',
      'Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2',
      'From: <sip:alice@example.com>;tag=1',
      'To: <sip:bob@example.com>',
      'Call-ID: c1@h',
      'CSeq: 1 INVITE',
      'Content-Length: 5',
      'X-Custom: a, b',
      '',
      'v=0\r\n',
    ].join('\r\n'),
  );
});

test('serializeMessage appends Content-Length when absent and writes responses', () => {
  const res: SipResponse = { kind: 'response', version: 'SIP/2.0', status: 486, reason: 'Busy Here', headers: Headers.from([['Call-ID', 'x']]), body: Buffer.alloc(0) };
  assert.equal(serializeMessage(res).toString(), 'SIP/2.0 486 Busy Here\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n');
});

test('serializeMessage cannot be made to inject a header line', () => {
  const r = request();
  r.headers.append('Subject', 'hi\r\nVia: SIP/2.0/UDP evil;branch=z9hG4bKx');
  const parsed = parseMessage(serializeMessage(r));
  assert.ok(parsed.ok);
  assert.equal(parsed.value.headers.getAll('Via').length, 2);
});

test('parse(serialize(m)) equals m, binary body included', () => {
  const body = Buffer.from([0, 1, 2, 13, 10, 13, 10, 255]);
  const m = request();
  m.body = body;
  const p = parseMessage(serializeMessage(m));
  assert.ok(p.ok && p.value.kind === 'request');
  assert.equal(p.value.method, m.method);
  assert.deepEqual(p.value.uri, m.uri);
  assert.deepEqual(p.value.body, body);
  const expected = m.headers.list().map((e) => (e.name === 'Content-Length' ? { name: e.name, value: String(body.length) } : e));
  assert.deepEqual(p.value.headers.list(), expected);
});
