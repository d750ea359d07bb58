/**
 * A dialog that answers slowly or with bad JSON: the caller hears a clear error turn
 * (`vgwConversationFailedMessage`) and the call survives; the next turn works again.
 * The SOE webhook here is a local HTTP server speaking the Watson Assistant v1 message shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { Softphone } from '../../src/softphone/softphone.js';

test('slow and malformed dialog answers give an error turn; the call survives', async () => {
  let mode: 'ok' | 'slow' | 'bad' = 'ok';
  const inputs: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const msg = JSON.parse(body) as { input?: { text?: string }; context?: Record<string, unknown> };
      inputs.push(msg.input?.text ?? '');
      const reply = (text: string) => res.end(JSON.stringify({ output: { text: [text] }, context: { ...msg.context, vgwConversationFailedMessage: 'Sorry, technical difficulties.', vgwPostResponseTimeoutCount: 60000 } }));
      res.setHeader('content-type', 'application/json');
      if (mode === 'slow') setTimeout(() => reply('too late'), 3000);
      else if (mode === 'bad') res.end('{"output": {"text": [');
      else reply(inputs.length === 1 ? 'Hello.' : 'Fine.');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const gw = await startInProcessGateway({
    accounts: [{ id: 'a', applications: [{ id: 'soe', numbers: ['soe'], mode: 'agent', dialog: { provider: 'webhook', url: `http://127.0.0.1:${port}`, workspaceId: 'ws1', auth: { type: 'none' }, allowInsecure: true, timeoutMs: 1000, retries: 0 } }] }],
  });
  const base = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9, endpointer: { silenceHangoverMs: 400 } });
  try {
    const call = await phone.dial(`sip:soe@127.0.0.1:${gw.sipPort}`);
    await call.nextUtterance(); // "Hello."
    for (const m of ['slow', 'bad'] as const) {
      mode = m;
      const seen = gw.events.length;
      await call.sendDigits('1');
      // A slow dialog fails by its per-attempt timeout ('timeout'; 'aborted' if the turn's own
      // deadline fires first on a loaded machine); a malformed answer is 'bad-response'.
      let failed: (typeof gw.events)[number] | undefined;
      for (const deadline = Date.now() + 20_000; !failed && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        failed = gw.events.slice(seen).find((e) => e.type === 'turn.completed' && e.error);
      }
      assert.ok(failed, `no error turn; events: ${JSON.stringify(gw.events.map((x) => [x.type, (x as { error?: string }).error]))}`);
      assert.ok(failed.type === 'turn.completed' && (m === 'slow' ? ['timeout', 'aborted'] : ['bad-response']).includes((failed as { error?: string }).error!), `error kind ${failed.type === 'turn.completed' ? failed.error : ''}`);
      await call.nextUtterance(); // the failure message
      assert.equal(call.ended, false, `the call survives a ${m} dialog`);
    }
    mode = 'ok';
    await call.sendDigits('2');
    await call.nextUtterance(); // "Fine."
    const ok = await gw.waitForEvent((e) => e.type === 'turn.completed' && e.turn === 4);
    assert.equal(ok.type === 'turn.completed' && ok.error, undefined);
    assert.equal(call.ended, false);
    await call.hangup();
  } finally {
    server.closeAllConnections();
    server.close();
    const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 5000).unref())]);
    await bounded(phone.close());
    await bounded(gw.stop());
  }
});
