/**
 * Every message of RFC 4475 (SIP Torture Test Messages), table-driven: each row names the
 * outcome the RFC prescribes and the fields that must come out right. Fixture bytes are built
 * from `fixtures/rfc4475/*.txt` with the RFC's notation applied (see fixtures/load-rfc4475.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc4475Message, rfc4475Names } from './fixtures/load-rfc4475.js';
import { checkRequest, checkResponse, getTag, parseCSeq, parseMessage, parseNameAddr, parseVia, getNameAddr } from '../../src/sip/parse/index.js';
import { serializeMessage } from '../../src/sip/serialize.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message.js';

type Outcome =
  | { kind: 'accept'; check?: (m: SipMessage) => void }
  | { kind: 'reject'; code: number; reason: RegExp; check?: (m: SipRequest) => void }
  | { kind: 'parse-error'; code: number | undefined; reason: RegExp }
  | { kind: 'drop-response'; reason: RegExp; check?: (m: SipResponse) => void };

function req(m: SipMessage): SipRequest {
  assert.equal(m.kind, 'request');
  return m as SipRequest;
}
function res(m: SipMessage): SipResponse {
  assert.equal(m.kind, 'response');
  return m as SipResponse;
}
function vias(m: SipMessage) {
  return m.headers.getAll('Via').map((v) => {
    const r = parseVia(v);
    assert.ok(r.ok, `Via parses: ${v}`);
    return r.value;
  });
}
function na(v: string | undefined) {
  assert.ok(v !== undefined);
  const r = parseNameAddr(v);
  assert.ok(r.ok, `name-addr parses: ${v}`);
  return r.value;
}
const SDP150 = 150;

const table: Record<string, Outcome> = {
  // §3.1.1 Valid messages
  wsinv: {
    kind: 'accept',
    check: (m) => {
      const r = req(m);
      assert.equal(r.method, 'INVITE');
      assert.equal(r.uri.user, 'vivekg');
      assert.equal(r.uri.host, 'chair-dnrc.example.com');
      assert.deepEqual([...r.uri.params], [['unknownparam', null]]);
      assert.equal(getTag(r.headers, 'To'), '1918181833n');
      assert.equal(getTag(r.headers, 'From'), '98asjd8');
      assert.equal(na(r.headers.get('From')).displayName, 'J Rosenberg \\"');
      assert.equal(r.headers.get('Max-Forwards'), '0068');
      assert.deepEqual(parseCSeq(r.headers.get('CSeq')!), { ok: true, value: { seq: 9, method: 'INVITE' } });
      const v = vias(r);
      assert.deepEqual(
        v.map((x) => [x.protocol, x.transport, x.host, x.params.get('branch')]),
        [
          ['SIP/2.0', 'UDP', '192.0.2.2', '390skdjuw'],
          ['SIP/2.0', 'TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
          ['SIP/2.0', 'UDP', '192.168.255.111', 'z9hG4bK30239'],
        ],
      );
      assert.equal(r.headers.get('Subject'), '');
      assert.equal(r.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
      assert.equal(r.headers.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
      const contact = na(r.headers.get('Contact'));
      assert.equal(contact.displayName, 'Quoted string ""');
      assert.deepEqual([...contact.params], [['newparam', 'newvalue'], ['secondparam', null], ['q', '0.33']]);
      const route = na(r.headers.get('Route'));
      assert.deepEqual([...route.uri.params], [['lr', null], ['unknownwith', 'value'], ['unknown-no-value', null]]);
      assert.equal(r.headers.get('Content-Type'), 'application/sdp');
      assert.equal(r.body.length, SDP150);
    },
  },
  intmeth: {
    kind: 'accept',
    check: (m) => {
      const r = req(m);
      assert.equal(r.method, "!interesting-Method0123456789_*+`.%indeed'~");
      assert.equal(r.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      assert.equal(r.uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
      assert.equal(r.uri.host, 'example.com');
      assert.equal(vias(r)[0]!.params.get('branch'), "z9hG4bK-.!%66*_+`'~");
      assert.equal(na(r.headers.get('To')).displayName, 'BEL:\x07 NUL:\x00 DEL:\x7F');
      const from = na(r.headers.get('From'));
      assert.equal(from.displayName, "token1~` token2'+_ token3*%!.-");
      assert.equal(from.params.get("fromparam''~+*_!.-%"), '"работающий"');
      assert.equal(from.params.get('tag'), "_token~1'+`*%!-.");
      assert.equal(r.headers.get('Call-ID'), 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
      assert.equal(parseCSeq(r.headers.get('CSeq')!).ok && r.headers.get('CSeq'), "139122385 !interesting-Method0123456789_*+`.%indeed'~");
      assert.equal(r.headers.get("extensionHeader-!.%*+_`'~"), '\uFEFF大停電');
    },
  },
  esc01: {
    kind: 'accept',
    check: (m) => {
      const r = req(m);
      assert.equal(r.uri.user, 'sips:user@example.com');
      assert.equal(r.uri.host, 'example.net');
      assert.equal(na(r.headers.get('To')).uri.user, 'user');
      assert.equal(na(r.headers.get('From')).uri.user, 'I have spaces');
      assert.equal(r.headers.get('Call-ID'), 'esc01.239409asdfakjkn23onasd0-3234');
      assert.equal(r.headers.get('Content-Type'), 'application/sdp');
      const c = na(r.headers.get('Contact'));
      assert.equal(c.uri.user, 'caller');
      // %6C%72 is "lr"; n%61me=v%61lue%25%34%31 is name=value%41 (unescaping is not recursive).
      assert.deepEqual([...c.uri.params], [['lr', null], ['name', 'value%41']]);
    },
  },
  escnull: {
    kind: 'accept',
    check: (m) => {
      const r = req(m);
      assert.equal(na(r.headers.get('To')).uri.user, 'null-\x00-null');
      assert.deepEqual(r.headers.getAll('Contact').map((c) => na(c).uri.user), ['\x00', '\x00\x00']);
    },
  },
  esc02: {
    kind: 'accept',
    check: (m) => {
      const r = req(m);
      assert.equal(r.method, 'RE%47IST%45R');
      assert.equal(na(r.headers.get('To')).displayName, '%Z%45');
      assert.equal(r.headers.getAll('Contact').length, 2);
      assert.equal(r.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
      assert.equal(vias(r)[0]!.params.get('branch'), 'z9hG4bK209%fzsnel234');
    },
  },
  lwsdisp: { kind: 'accept', check: (m) => assert.equal(na(m.headers.get('From')).displayName, 'caller') },
  longreq: {
    kind: 'accept',
    check: (m) => {
      const to = na(m.headers.get('To'));
      assert.equal(to.displayName, 'I have a user name of ' + 'extreme'.repeat(10) + ' proportion');
      assert.equal(to.uri.port, 6000);
      assert.equal(to.uri.params.size, 3);
      assert.equal(to.uri.params.get('unknownparam1'), 'very' + 'long'.repeat(20) + 'value');
      assert.equal(getTag(m.headers, 'From'), '12' + '982'.repeat(50) + '424');
      const v = vias(m);
      assert.equal(v.length, 34);
      assert.deepEqual(v.slice(0, 33).map((x) => x.host), Array.from({ length: 33 }, (_, k) => `sip${33 - k}.example.com`));
      assert.equal(v[33]!.params.get('received'), '192.0.2.5');
      assert.equal(m.body.length, SDP150);
    },
  },
  dblreq: {
    kind: 'accept',
    check: (m) => {
      const r = req(m);
      assert.equal(r.method, 'REGISTER');
      assert.equal(r.body.length, 0, 'octets after Content-Length are ignored (RFC 3261 §18.3)');
      assert.equal(r.headers.get('Call-ID'), 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
    },
  },
  semiuri: {
    kind: 'accept',
    check: (m) => {
      assert.equal(req(m).uri.user, 'user;par=u@example.net');
      assert.deepEqual(m.headers.getAll('Accept'), ['application/sdp', 'application/pkcs7-mime', 'multipart/mixed', 'multipart/signed', 'message/sip', 'message/sipfrag']);
    },
  },
  transports: {
    kind: 'accept',
    check: (m) => {
      assert.deepEqual(vias(m).map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
      assert.equal(m.headers.get('Call-ID'), 'transports.kijh4akdnaqjkwendsasfdj');
    },
  },
  mpart01: {
    kind: 'accept',
    check: (m) => {
      assert.equal(req(m).method, 'MESSAGE');
      assert.equal(m.body.length, 553);
      assert.ok(m.body.includes(0), 'binary part with NUL octets is framed by Content-Length');
      const v = vias(m)[0]!;
      assert.equal(v.port, 5070);
      assert.equal(v.params.get('rport'), null);
      assert.equal(m.headers.getAll('Identity').length, 1);
    },
  },
  unreason: {
    kind: 'accept',
    check: (m) => {
      const r = res(m);
      assert.equal(r.status, 200);
      assert.equal(r.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
    },
  },
  noreason: {
    kind: 'accept',
    check: (m) => {
      assert.equal(res(m).status, 100);
      assert.equal(res(m).reason, '');
    },
  },
  // §3.1.2 Invalid messages
  badinv01: { kind: 'reject', code: 400, reason: /^Bad Request - malformed Via$/ },
  clerr: { kind: 'parse-error', code: 400, reason: /body shorter than Content-Length/ },
  ncl: { kind: 'parse-error', code: 400, reason: /malformed Content-Length/ },
  scalar02: { kind: 'reject', code: 400, reason: /^Bad Request - malformed CSeq$/ },
  scalarlg: { kind: 'drop-response', reason: /malformed CSeq/ },
  quotbal: { kind: 'reject', code: 400, reason: /^Bad Request - malformed To$/ },
  ltgtruri: { kind: 'parse-error', code: 400, reason: /malformed Request-URI/ },
  lwsruri: { kind: 'parse-error', code: 400, reason: /malformed Request-Line/ },
  // Lenient by choice (RFC 4475 allows either): extra SP in the start line is ignored.
  lwsstart: { kind: 'accept', check: (m) => assert.equal(req(m).uri.host, 'example.com') },
  trws: { kind: 'accept', check: (m) => assert.equal(req(m).version, 'SIP/2.0') },
  escruri: { kind: 'reject', code: 400, reason: /^Bad Request - Request-URI must not contain headers$/ },
  baddate: { kind: 'accept', check: (m) => assert.equal(m.headers.get('Date'), 'Fri, 01 Jan 2010 16:00:00 EST') },
  regbadct: { kind: 'reject', code: 400, reason: /^Bad Request - malformed Contact$/ },
  badaspec: { kind: 'reject', code: 400, reason: /^Bad Request - malformed To$/ },
  baddn: { kind: 'reject', code: 400, reason: /^Bad Request - malformed From$/ },
  badvers: { kind: 'reject', code: 505, reason: /^Version Not Supported$/ },
  mismatch01: { kind: 'reject', code: 400, reason: /CSeq method does not match/ },
  // RFC 4475 prefers 501 and accepts 400; 501 for unknown methods is the UAS's decision.
  mismatch02: { kind: 'reject', code: 400, reason: /CSeq method does not match/, check: (m) => assert.equal(m.method, 'NEWMETHOD') },
  bigcode: { kind: 'parse-error', code: undefined, reason: /malformed status code/ },
  // §3.2 Transaction layer
  badbranch: { kind: 'accept', check: (m) => assert.equal(vias(m)[0]!.params.get('branch'), 'z9hG4bK') },
  // §3.3 Application layer
  insuf: { kind: 'reject', code: 400, reason: /^Bad Request - missing Call-ID$/ },
  unkscm: { kind: 'parse-error', code: 416, reason: /unsupported URI scheme/ },
  novelsc: { kind: 'parse-error', code: 416, reason: /unsupported URI scheme/ },
  unksm2: {
    kind: 'accept',
    check: (m) => {
      for (const h of ['To', 'From', 'Contact']) {
        const r = parseNameAddr(m.headers.get(h)!);
        assert.ok(!r.ok && r.error.code === 416, `${h} has a well-formed URI of an unsupported scheme`);
      }
    },
  },
  bext01: {
    kind: 'accept',
    check: (m) => {
      assert.deepEqual(m.headers.getAll('Require'), ['nothingSupportsThis', 'nothingSupportsThisEither']);
      assert.deepEqual(m.headers.getAll('Proxy-Require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    },
  },
  invut: {
    kind: 'accept',
    check: (m) => {
      assert.equal(m.headers.get('Content-Type'), 'application/unknownformat');
      assert.equal(m.body.toString(), '<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n');
    },
  },
  regaut01: { kind: 'accept', check: (m) => assert.equal(m.headers.get('Authorization'), 'NoOneKnowsThisScheme opaque-data=here') },
  multi01: { kind: 'reject', code: 400, reason: /^Bad Request - multiple Call-ID headers$/ },
  mcl01: { kind: 'parse-error', code: 400, reason: /conflicting Content-Length/ },
  bcast: {
    kind: 'drop-response',
    reason: /more than one Via/,
    check: (m) => {
      assert.equal(checkResponse(m, { singleVia: false }), undefined);
      assert.equal(vias(m)[1]!.host, '255.255.255.255');
    },
  },
  zeromf: { kind: 'accept', check: (m) => assert.equal(m.headers.get('Max-Forwards'), '0') },
  cparam01: {
    kind: 'accept',
    check: (m) => {
      const c = na(m.headers.get('Contact'));
      assert.equal(c.uri.params.size, 0);
      assert.deepEqual([...c.params], [['unknownparam', null]]);
    },
  },
  cparam02: {
    kind: 'accept',
    check: (m) => {
      const c = na(m.headers.get('Contact'));
      assert.deepEqual([...c.uri.params], [['unknownparam', null]]);
      assert.equal(c.params.size, 0);
    },
  },
  regescrt: { kind: 'accept', check: (m) => assert.equal(getNameAddr(m.headers, 'Contact')?.uri.headers.get('Route'), '<sip:sip.example.com>') },
  sdp01: { kind: 'accept', check: (m) => assert.equal(m.headers.get('Accept'), 'text/nobodyKnowsThis') },
  inv2543: {
    kind: 'accept',
    check: (m) => {
      assert.equal(m.headers.has('Content-Length'), false);
      assert.ok(m.body.toString().startsWith('v=0\r\n'), 'without Content-Length the rest of the datagram is the body');
      assert.equal(vias(m)[0]!.params.size, 0);
    },
  },
};

test('the table covers every RFC 4475 fixture (49 messages)', () => {
  assert.deepEqual(rfc4475Names(), Object.keys(table).sort());
  assert.equal(rfc4475Names().length, 49);
});

for (const [name, outcome] of Object.entries(table)) {
  test(`RFC 4475 ${name}: ${outcome.kind}`, () => {
    const bytes = rfc4475Message(name);
    const parsed = parseMessage(bytes);
    if (outcome.kind === 'parse-error') {
      assert.equal(parsed.ok, false, 'must not parse');
      if (parsed.ok) return;
      assert.match(parsed.error.reason, outcome.reason);
      assert.equal(parsed.error.code, outcome.code);
      // Enough was read to answer (or identify) the message.
      assert.ok(parsed.error.partial?.headers?.has('Call-ID'), 'partial headers carry Call-ID');
      assert.ok(parsed.error.partial?.headers?.has('Via'), 'partial headers carry Via');
      return;
    }
    assert.ok(parsed.ok, parsed.ok ? '' : `parse failed: ${parsed.error.reason}`);
    const m = parsed.value;
    if (outcome.kind === 'accept') {
      if (m.kind === 'request') assert.equal(checkRequest(m), undefined);
      else assert.equal(checkResponse(m), undefined);
      outcome.check?.(m);
      // Whatever parses also survives serialize → parse with the same structure.
      const again = parseMessage(serializeMessage(m));
      assert.ok(again.ok);
      assert.deepEqual(again.value.headers.list().filter((e) => e.name !== 'Content-Length'), m.headers.list().filter((e) => e.name !== 'Content-Length'));
      assert.deepEqual(again.value.body, m.body);
    } else if (outcome.kind === 'reject') {
      const r = req(m);
      const rejection = checkRequest(r);
      assert.ok(rejection, 'checkRequest must reject');
      assert.equal(rejection.code, outcome.code);
      assert.match(rejection.reason, outcome.reason);
      outcome.check?.(r);
    } else {
      const r = res(m);
      const why = checkResponse(r);
      assert.ok(why !== undefined, 'response must be dropped');
      assert.match(why, outcome.reason);
      outcome.check?.(r);
    }
  });
}
