/**
 * REFER as a dialog usage (src/sip/refer.ts) against an in-memory dialog on a FakeClock: the REFER
 * it sends, NOTIFY sipfrag progress to a final outcome, refusals, accepted reject codes, the 30 s
 * limit to the millisecond, and abandoning the wait when the call ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { FakeClock } from '../../src/time/clock.js';
import { Headers, type SipRequest } from '../../src/sip/message.js';
import { refer, sipfragStatus, type ReferDialog, type ReferProgress } from '../../src/sip/refer.js';

class FakeDialog extends EventEmitter<{ info: [SipRequest] }> implements ReferDialog {
  readonly dialog = { localHeader: '"Gateway" <sip:agent@gw.example>;tag=abc' };
  readonly sent: { method: string; headers?: [string, string][] }[] = [];
  /** The REFER's final response (undefined: no answer). */
  status: number | undefined = 202;
  async sendInDialog(method: string, opts: { headers?: [string, string][] }): Promise<{ status: number } | undefined> {
    this.sent.push({ method, headers: opts.headers });
    return this.status === undefined ? undefined : { status: this.status };
  }
  notify(body: string, event = 'refer'): void {
    const req: SipRequest = { kind: 'request', method: 'NOTIFY', uri: { scheme: 'sip', host: 'gw.example', params: new Map(), headers: new Map() } as unknown as SipRequest['uri'], version: 'SIP/2.0', headers: Headers.from([['Event', event], ['Content-Type', 'message/sipfrag']]), body: Buffer.from(body) };
    this.emit('info', req);
  }
}

const tick = () => new Promise((r) => setImmediate(r));

test('sipfragStatus reads the status line of a message/sipfrag body', () => {
  assert.deepEqual(sipfragStatus('SIP/2.0 180 Ringing\r\n'), { status: 180, phrase: 'Ringing' });
  assert.deepEqual(sipfragStatus('SIP/2.0 486 Busy Here'), { status: 486, phrase: 'Busy Here' });
  assert.equal(sipfragStatus('hello'), undefined);
});

test('REFER carries Refer-To, Referred-By (our address) and extra headers; a 200 NOTIFY after progress succeeds', async () => {
  const d = new FakeDialog();
  const progress: ReferProgress[] = [];
  const p = refer(d, { target: 'sip:human@pbx', headers: [['User-to-User', '01;encoding=hex']], clock: new FakeClock(), onProgress: (e) => progress.push(e) });
  await tick();
  assert.deepEqual(d.sent, [{ method: 'REFER', headers: [['Refer-To', '<sip:human@pbx>'], ['Referred-By', '<sip:agent@gw.example>'], ['User-to-User', '01;encoding=hex']] }]);
  d.notify('SIP/2.0 100 Trying');
  d.notify('SIP/2.0 200 OK', 'presence'); // not the refer subscription
  d.notify('SIP/2.0 180 Ringing');
  d.notify('SIP/2.0 200 OK');
  assert.deepEqual(await p, { ok: true, status: 200, reason: '200' });
  assert.deepEqual(progress, [{ type: 'refer-response', status: 202 }, { type: 'notify', status: 100, phrase: 'Trying' }, { type: 'notify', status: 180, phrase: 'Ringing' }, { type: 'notify', status: 200, phrase: 'OK' }]);
  assert.equal(d.listenerCount('info'), 0, 'the NOTIFY listener is removed');
});

test('a failing NOTIFY fails the transfer unless its code is accepted; a refused REFER fails at once', async () => {
  const d = new FakeDialog();
  const p = refer(d, { target: 'sip:h@pbx', clock: new FakeClock() });
  d.notify('SIP/2.0 486 Busy Here');
  assert.deepEqual(await p, { ok: false, failure: 'failed', status: 486, reason: '486 Busy Here' });
  const q = refer(d, { target: 'sip:h@pbx', acceptCodes: [486], clock: new FakeClock() });
  d.notify('SIP/2.0 486 Busy Here');
  assert.equal((await q).ok, true);
  d.status = 603;
  assert.deepEqual(await refer(d, { target: 'sip:h@pbx', clock: new FakeClock() }), { ok: false, failure: 'refused', status: 603, reason: 'REFER refused: 603' });
  d.status = undefined;
  assert.deepEqual(await refer(d, { target: 'sip:h@pbx', clock: new FakeClock() }), { ok: false, failure: 'no-response', reason: 'REFER timed out' });
});

test('no final NOTIFY: the transfer times out after exactly 30 s; abandoning stops the wait', async () => {
  const clock = new FakeClock();
  const d = new FakeDialog();
  let outcome: unknown;
  void refer(d, { target: 'sip:h@pbx', clock }).then((o) => (outcome = o));
  await tick();
  clock.advance(29_999);
  await tick();
  assert.equal(outcome, undefined);
  clock.advance(1);
  await tick();
  assert.deepEqual(outcome, { ok: false, failure: 'timeout', reason: 'transfer timed out' });
  const ac = new AbortController();
  const p = refer(d, { target: 'sip:h@pbx', clock, signal: ac.signal });
  ac.abort();
  assert.equal((await p).ok, false);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(d.listenerCount('info'), 0);
});
