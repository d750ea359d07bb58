/**
 * Routing refuses escaped control characters in the dialled number (Hushgate issue 14 item 7),
 * over UDP against the gateway process: a Request-URI user part that, once unescaped, holds NUL,
 * a control character, a space, `%` or anything else a number or user part cannot hold gets 400 —
 * it is never normalised into a configured number (`+1555%0A0100` → `+15550100` was the attack),
 * nor decoded a second time (`10%2530%2502`). Legitimate forms still route.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { RawSip, statusOf, PCMU_OFFER } from '../helpers/raw-sip.js';
import { isDiallable, NumberRouter } from '../../src/tenancy/router.js';

let gw: RunningGateway;
let raw: RawSip;

before(async () => {
  gw = await startGateway({ accounts: [{ id: 'a', applications: [{ id: 'x', numbers: ['1002', '+15550100', 'support'], mode: 'hold' }] }] });
  raw = await RawSip.open();
});
after(async () => {
  raw.close();
  assert.equal(await gw.stop(), 0);
});

/** INVITE to `user` (written into the Request-URI and To as given, escapes and all); the final status. */
async function dial(user: string): Promise<{ status: string; code: number }> {
  const r = raw.request('INVITE', { port: gw.sipPort, user, headers: ['Content-Type: application/sdp'], body: PCMU_OFFER() });
  raw.send(r.text, gw.sipPort);
  const m = await raw.receive((x) => x.includes(r.callId) && statusOf(x) >= 200);
  if (statusOf(m) === 200) {
    const toTag = /^To:.*;tag=([^;\s>]+)/m.exec(m)![1]!;
    raw.send(raw.request('ACK', { port: gw.sipPort, user, callId: r.callId, toTag }).text, gw.sipPort);
    raw.send(raw.request('BYE', { port: gw.sipPort, user, callId: r.callId, toTag, cseq: 2 }).text, gw.sipPort);
    await raw.receive((x) => x.includes(r.callId) && /CSeq: 2 BYE/.test(x));
  }
  return { status: m.split('\r\n')[0]!, code: statusOf(m) };
}

test('escaped control characters, NUL, spaces and a second level of escaping are refused with 400', async () => {
  for (const user of ['10%0002', '+1555%0A0100', '+1555%0d0100', '+1555%200100', '+1555%090100', '%2B1555%000100', '1002%00', '10%2530%2502', 'supp%7Fort', '10%C3%A902']) {
    const r = await dial(user);
    assert.equal(r.code, 400, `${user}: ${r.status}`);
    assert.match(r.status, /invalid characters in the Request-URI user part/);
  }
});

test('legitimate forms still route: plain, escaped +, visual separators, case-insensitive names', async () => {
  for (const user of ['1002', '+15550100', '%2B15550100', '+1-555-0100', '+1.555.0100', 'SUPPORT']) {
    assert.equal((await dial(user)).code, 200, user);
  }
  assert.equal((await dial('1003')).code, 404);
});

test('isDiallable and the router agree (no second decoding, no throw on %)', () => {
  const r = new NumberRouter([{ id: 'a', applications: [{ id: 'x', numbers: ['1002'] }] }] as never, 'US');
  assert.equal(r.route('1002')?.application.id, 'x');
  for (const u of ['10\u000002', '10\n02', '10 02', '10%302', '%zz', '', 'x'.repeat(129)]) {
    assert.equal(isDiallable(u), false, JSON.stringify(u));
    assert.equal(r.route(u), undefined);
  }
  for (const u of ['*97#', '+1-555-0100', 'ivr_1', "a!b~c*d'(e)"]) assert.equal(isDiallable(u), true, u);
});
