/** Unit tests for each grammar piece of the SIP parser: URI, name-addr, Via, CSeq, splitting, message framing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkRequest,
  contentLength,
  formatNameAddr,
  formatUri,
  formatVia,
  getTag,
  parseCSeq,
  parseMessage,
  parseNameAddr,
  parseUri,
  parseVia,
  splitTopLevel,
  topVia,
} from '../../src/sip/parse/index.js';
import type { SipRequest } from '../../src/sip/message.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

function invite(extra: string[] = [], body = ''): Buffer {
  return crlf([
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@example.com>',
    'From: "Alice" <sip:alice@example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.example.com',
    'CSeq: 314159 INVITE',
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ]);
}

test('parseUri: sip with user, password, host, port, params, headers', () => {
  const r = parseUri('sip:alice:secret@Example.COM:5070;Transport=TCP;lr?subject=hi%20there&priority=urgent');
  assert.ok(r.ok);
  assert.equal(r.value.scheme, 'sip');
  assert.equal(r.value.user, 'alice');
  assert.equal(r.value.password, 'secret');
  assert.equal(r.value.host, 'example.com');
  assert.equal(r.value.port, 5070);
  assert.deepEqual([...r.value.params], [['transport', 'TCP'], ['lr', null]]);
  assert.deepEqual([...r.value.headers], [['subject', 'hi there'], ['priority', 'urgent']]);
});

test('parseUri: escapes in the user part are decoded and re-escaped on format', () => {
  const r = parseUri('sip:alice%40home@example.com');
  assert.ok(r.ok);
  assert.equal(r.value.user, 'alice@home');
  assert.equal(formatUri(r.value), 'sip:alice%40home@example.com');
  assert.equal(parseUri('sip:a%4@example.com').ok, false, 'truncated escape');
  assert.equal(parseUri('sip:a%zz@example.com').ok, false, 'non-hex escape');
});

test('parseUri: IPv4 and bracketed IPv6 hosts, with and without port', () => {
  const v6 = parseUri('sips:[2001:DB8::10]:5061;transport=tls');
  assert.ok(v6.ok);
  assert.equal(v6.value.scheme, 'sips');
  assert.equal(v6.value.host, '[2001:db8::10]');
  assert.equal(v6.value.port, 5061);
  assert.equal(formatUri(v6.value), 'sips:[2001:db8::10]:5061;transport=tls');
  const v6np = parseUri('sip:user@[::1]');
  assert.ok(v6np.ok && v6np.value.host === '[::1]' && v6np.value.port === undefined);
  const v4 = parseUri('sip:192.0.2.4:5060');
  assert.ok(v4.ok && v4.value.host === '192.0.2.4' && v4.value.port === 5060);
});

test('parseUri: rejects bad ports, bad IPv6, bad IPv4, spaces and empty parts', () => {
  for (const bad of [
    'sip:a@example.com:65536',
    'sip:a@example.com:5x',
    'sip:a@example.com:',
    'sip:a@[2001:db8::zz]',
    'sip:a@[2001:db8::1',
    'sip:a@2001:db8::1',
    'sip:a@192.0.2.256',
    'sip:a@exa mple.com',
    'sip: a@example.com',
    'sip:@example.com',
    'sip:',
    'sip:a@',
    ':a@b',
    'sip:a@example.com;;lr',
    'sip:a@example.com?',
  ]) {
    const r = parseUri(bad);
    assert.equal(r.ok, false, bad);
    assert.equal(r.ok ? 0 : r.error.code, 400, bad);
  }
});

test('parseUri: unknown schemes fail with code 416, tel is supported', () => {
  for (const u of ['http://www.example.com', 'urn:service:sos', 'isbn:2983792873']) {
    const r = parseUri(u);
    assert.ok(!r.ok && r.error.code === 416, u);
  }
  const tel = parseUri('tel:+1-201-555-0123;phone-context=example.com');
  assert.ok(tel.ok);
  assert.equal(tel.value.host, '+1-201-555-0123');
  assert.equal(tel.value.params.get('phone-context'), 'example.com');
  assert.equal(formatUri(tel.value), 'tel:+1-201-555-0123;phone-context=example.com');
});

test('parseNameAddr: quoted display name with escaped quotes and a comma', () => {
  const r = parseNameAddr('"Watson, \\"Tom\\"" <sip:t.watson@example.org;transport=udp> ;tag=abc ; expires=60');
  assert.ok(r.ok);
  assert.equal(r.value.displayName, 'Watson, "Tom"');
  assert.equal(r.value.uri.params.get('transport'), 'udp');
  assert.deepEqual([...r.value.params], [['tag', 'abc'], ['expires', '60']]);
  assert.equal(formatNameAddr(r.value), '"Watson, \\"Tom\\"" <sip:t.watson@example.org;transport=udp>;tag=abc;expires=60');
});

test('parseNameAddr: token display names, no display name, and addr-spec params belong to the header', () => {
  const t = parseNameAddr('Bob  Smith <sip:bob@example.com>');
  assert.ok(t.ok && t.value.displayName === 'Bob Smith');
  const b = parseNameAddr('<sip:bob@example.com>');
  assert.ok(b.ok && b.value.displayName === undefined);
  const a = parseNameAddr('sip:bob@example.com;tag=xyz;lr');
  assert.ok(a.ok);
  assert.equal(a.value.uri.params.size, 0);
  assert.deepEqual([...a.value.params], [['tag', 'xyz'], ['lr', null]]);
  assert.equal(formatNameAddr(a.value), '<sip:bob@example.com>;tag=xyz;lr');
});

test('parseNameAddr: rejects unterminated quotes, missing >, bad params, ? in an addr-spec', () => {
  for (const bad of ['"Bob <sip:bob@example.com>', '<sip:bob@example.com', '<sip:bob@example.com>;', '<sip:bob@example.com>;;tag=1', 'sip:bob@example.com?x=y', 'Bob, Smith <sip:b@example.com>', '']) {
    assert.equal(parseNameAddr(bad).ok, false, bad);
  }
});

test('parseVia: LWS everywhere legal, IPv6 sent-by, rport flag, received', () => {
  const r = parseVia('SIP / 2.0 / udp   [2001:db8::9]:5062 ; branch = z9hG4bK-1 ;rport; received=2001:db8::1');
  assert.ok(r.ok);
  assert.equal(r.value.protocol, 'SIP/2.0');
  assert.equal(r.value.transport, 'UDP');
  assert.equal(r.value.host, '[2001:db8::9]');
  assert.equal(r.value.port, 5062);
  assert.equal(r.value.params.get('branch'), 'z9hG4bK-1');
  assert.equal(r.value.params.get('rport'), null);
  assert.equal(r.value.params.get('received'), '2001:db8::1');
  assert.equal(formatVia(r.value), 'SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bK-1;rport;received=2001:db8::1');
});

test('parseVia: rejects malformed values', () => {
  for (const bad of ['SIP/2.0 host', 'SIP/2.0/UDP', 'SIP/2.0/UDPhost', 'SIP/2.0/UDP host:99999', 'SIP/2.0/UDP host;received=', 'SIP/2.0/UDP host;received=not-an-ip', 'SIP/2.0/UDP host;rport=x', 'SIP/2.0/UDP host;;', 'SIP/2.0/UDP host;branch', 'SIP/2.0/UDP host;ttl=300', '']) {
    assert.equal(parseVia(bad).ok, false, bad);
  }
});

test('parseCSeq: leading zeros, folded LWS, range and method checks', () => {
  assert.deepEqual(parseCSeq('0009   INVITE'), { ok: true, value: { seq: 9, method: 'INVITE' } });
  assert.deepEqual(parseCSeq('4294967295 ACK'), { ok: true, value: { seq: 4294967295, method: 'ACK' } });
  for (const bad of ['4294967296 ACK', 'x INVITE', '1', '1 IN VITE', '1INVITE', '-1 INVITE', '']) assert.equal(parseCSeq(bad).ok, false, bad);
});

test('splitTopLevel: commas inside quotes and <> do not split', () => {
  assert.deepEqual(splitTopLevel('"a, b" <sip:x@y>, <sip:q@r;p=1,2>,  sip:z@w'), ['"a, b" <sip:x@y>', '<sip:q@r;p=1,2>', 'sip:z@w']);
  assert.deepEqual(splitTopLevel('"a \\" , b" <sip:x@y>'), ['"a \\" , b" <sip:x@y>']);
});

test('parseMessage: compact names, case-insensitive names, folding, multi-value split only for listed headers', () => {
  const buf = crlf([
    'OPTIONS sip:bob@example.com SIP/2.0',
    'v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com;branch=z9hG4bK2',
    'f: <sip:alice@example.com>;tag=1',
    't: "Bob, the builder" <sip:bob@example.com>',
    'i: abc@host',
    'CSEQ: 1 OPTIONS',
    'max-forwards: 70',
    'Contact: "A, B" <sip:a@h>, <sip:b@h>',
    'WWW-Authenticate: Digest realm="x", nonce="y"',
    'Subject: one,',
    ' two',
    'k: timer, 100rel',
    'l: 0',
    '',
    '',
  ]);
  const r = parseMessage(buf);
  assert.ok(r.ok);
  const m = r.value as SipRequest;
  assert.equal(m.headers.getAll('Via').length, 2);
  assert.equal(topVia(m.headers)?.host, 'a.example.com');
  assert.equal(getTag(m.headers, 'From'), '1');
  assert.equal(m.headers.get('To'), '"Bob, the builder" <sip:bob@example.com>');
  assert.equal(m.headers.get('CSeq'), '1 OPTIONS');
  assert.deepEqual(m.headers.getAll('Contact'), ['"A, B" <sip:a@h>', '<sip:b@h>']);
  assert.deepEqual(m.headers.getAll('WWW-Authenticate'), ['Digest realm="x", nonce="y"']);
  assert.equal(m.headers.get('Subject'), 'one, two');
  assert.deepEqual(m.headers.getAll('Supported'), ['timer', '100rel']);
  assert.equal(contentLength(m.headers), 0);
  assert.equal(checkRequest(m), undefined);
  assert.deepEqual(m.headers.list().map((e) => e.name).slice(0, 5), ['Via', 'Via', 'From', 'To', 'Call-ID']);
});

test('parseMessage: datagram body framing by Content-Length', () => {
  const ok = parseMessage(invite([], 'v=0\r\n'));
  assert.ok(ok.ok && ok.value.body.toString() === 'v=0\r\n');
  const longer = parseMessage(Buffer.concat([invite([], 'v=0\r\n'), Buffer.from('garbage')]));
  assert.ok(longer.ok && longer.value.body.toString() === 'v=0\r\n', 'extra octets are dropped (RFC 3261 §18.3)');
  const short = parseMessage(invite([], 'v=0\r\n').subarray(0, -2));
  assert.ok(!short.ok && short.error.code === 400 && /shorter/.test(short.error.reason));
  assert.equal(short.ok ? '' : short.error.partial?.headers?.get('Call-ID'), 'a84b4c76e66710@pc33.example.com');
  const noCl = crlf(['MESSAGE sip:b@example.com SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', '', 'hello']);
  const dg = parseMessage(noCl);
  assert.ok(dg.ok && dg.value.body.toString() === 'hello');
  const st = parseMessage(noCl, { stream: true });
  assert.ok(!st.ok && /missing Content-Length/.test(st.error.reason));
});

test('parseMessage: size limit → 513, header errors keep partial headers, never throws', () => {
  const big = invite([], 'x'.repeat(70000));
  const r = parseMessage(big);
  assert.ok(!r.ok && r.error.code === 513);
  assert.ok(parseMessage(invite(['X-Big: ' + 'y'.repeat(200)]), { maxBytes: 100 }).ok === false);
  const badLine = parseMessage(invite(['this is not a header']));
  assert.ok(!badLine.ok && /malformed header line/.test(badLine.error.reason));
  assert.equal(badLine.ok ? 0 : badLine.error.partial?.headers?.getAll('CSeq').length, 1, 'headers after the bad line are still read');
  assert.equal(badLine.ok ? '' : badLine.error.partial?.method, 'INVITE');
  assert.equal(parseMessage(Buffer.alloc(0)).ok, false);
  assert.equal(parseMessage(Buffer.from('\r\n\r\n')).ok, false);
});

test('parseMessage: status line variants', () => {
  const mk = (line: string) => parseMessage(Buffer.from(line + '\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n'));
  const ok = mk('SIP/2.0 180 Ringing');
  assert.ok(ok.ok && ok.value.kind === 'response' && ok.value.status === 180 && ok.value.reason === 'Ringing');
  const bare = mk('SIP/2.0 200');
  assert.ok(bare.ok && bare.value.kind === 'response' && bare.value.reason === '');
  for (const bad of ['SIP/2.0 99 Low', 'SIP/2.0 700 High', 'SIP/2.0 2000 Long', 'SIP/2.0 abc x', 'SIP/ 200 OK']) {
    const r = mk(bad);
    assert.ok(!r.ok && r.error.code === undefined, bad);
  }
});

test('parseMessage: Request-Line checks', () => {
  const mk = (line: string) => parseMessage(Buffer.from(line + '\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(mk('INVITE sip:a@b SIP/2.0').ok, true);
  assert.equal(mk('INVITE sip:a@b SIP/2.0 extra').ok, false);
  assert.equal(mk('INVITE sip:a@b').ok, false);
  assert.equal(mk('INV(TE sip:a@b SIP/2.0').ok, false);
  assert.equal(mk('INVITE sip:a@b HTTP/1.1').ok, false);
  assert.equal(mk('INVITE\tsip:a@b SIP/2.0').ok, false);
  const v = mk('INVITE sip:a@b sip/2.0');
  assert.ok(v.ok && v.value.kind === 'request' && v.value.version === 'SIP/2.0');
});

test('checkRequest: reason phrases say what is wrong', () => {
  const cases: Array<[string[], number, string]> = [
    [['Max-Forwards: 300'], 400, 'Bad Request - multiple Max-Forwards headers'],
    [['Contact: <sip:a@b>;;'], 400, 'Bad Request - malformed Contact'],
  ];
  for (const [extra, code, reason] of cases) {
    const r = parseMessage(invite(extra));
    assert.ok(r.ok && r.value.kind === 'request');
    assert.deepEqual(checkRequest(r.value), { code, reason });
  }
  const r = parseMessage(Buffer.from(invite().toString().replace(/Call-ID:[^\r]*\r\n/, '')));
  assert.ok(r.ok && r.value.kind === 'request');
  assert.deepEqual(checkRequest(r.value), { code: 400, reason: 'Bad Request - missing Call-ID' });
  const big = parseMessage(Buffer.from(invite().toString().replace('CSeq: 314159 INVITE', 'CSeq: 2147483648 INVITE')));
  assert.ok(big.ok && big.value.kind === 'request');
  assert.deepEqual(checkRequest(big.value), { code: 400, reason: 'Bad Request - CSeq number out of range' });
  const star = parseMessage(Buffer.from(invite(['Contact: *']).toString().replace(/INVITE/g, 'REGISTER')));
  assert.ok(star.ok && star.value.kind === 'request');
  assert.equal(checkRequest(star.value), undefined, 'Contact: * is fine in REGISTER');
});
