/**
 * An outbound agent call end to end: POST /v1/calls dials our own softphone through a trunk; when
 * it answers, the agent application runs as for a caller and the softphone hears the welcome prompt
 * (flite on the gateway, recognised on the phone's side against the flow's prompts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { REPO } from '../helpers/gateway-process.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { PocketSphinxStt } from '../../src/speech/pocketsphinx/stt.js';

const FLOW = join(REPO, 'test/call/fixtures/test-flow.yaml');

test('an outbound agent call to our softphone: answered, the welcome prompt is heard, the call is reported outbound', async () => {
  const base = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9, endpointer: { silenceHangoverMs: 500 } });
  const created = await PocketSphinxStt.create({ poolSize: 1 });
  assert.ok(created.ok, created.ok ? '' : created.error);
  const stt = created.stt;
  const g = await startInProcessGateway({
    trunks: [{ name: 'lab', uri: `sip:127.0.0.1:${phone.sipPort}`, callerId: { default: '+14155550100' } }],
    accounts: [{ id: 'acme', outbound: { allowedPrefixes: ['+1415'], trunks: ['lab'] }, applications: [{ id: 'agent', mode: 'agent', dialog: { provider: 'local', flow: FLOW } }] }],
  });
  try {
    const { token } = await g.gw.apiKeys.create({ name: 'dialer', scopes: ['calls:write'], accountId: 'acme', ratePerMinute: null });
    const answered = phone.answerNext();
    const r = await fetch(`http://127.0.0.1:${g.gw.adminPort}/v1/calls`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: 'acme', applicationId: 'agent', to: `sip:+14155550123@127.0.0.1:${phone.sipPort}`, variables: { campaign: 'renewal' } }),
    });
    assert.equal(r.status, 201, await r.clone().text());
    const call = await answered;
    const u = await call.nextUtterance(20_000);
    const s = stt.startTurn({ grammar: { phrases: ['hello how can i help', 'goodbye', 'sorry technical difficulties'] } });
    for (let i = 0; i + 160 <= u.audio.length; i += 160) s.push(u.audio.subarray(i, i + 160));
    s.end();
    const heard = await s.result;
    assert.ok(heard.ok);
    assert.equal(heard.result.transcript, 'hello how can i help');
    const started = await g.waitForEvent((e) => e.type === 'call.started');
    assert.equal(started['direction'], 'outbound');
    await g.waitForEvent((e) => e.type === 'turn.completed' && e['turn'] === 1);
    await call.hangup();
    const ended = await g.waitForEvent((e) => e.type === 'call.ended');
    assert.equal(ended['endReason'], 'remote-bye');
  } finally {
    await g.stop();
    await phone.close();
    await stt.close();
  }
});
