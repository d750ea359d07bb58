/**
 * Our UAC answers a digest challenge: the softphone dials a gateway that requires authentication
 * (SHA-256 offered first, then MD5), is challenged with 401, retries with CSeq 2 and credentials,
 * and the call is up (and ends cleanly: the ACK took CSeq 2). Wrong or no credentials: 401.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { freePort, freeUdpRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { Softphone } from '../../src/softphone/softphone.js';

test('the softphone authenticates with SHA-256 digest; wrong or missing credentials get 401', { timeout: 30_000 }, async () => {
  const sipPort = await freePort();
  const gw = await startInProcessGateway({
    sip: { host: '127.0.0.1', port: sipPort, transports: ['udp'], auth: { realm: 'hushgate.test', users: [{ username: 'alice', password: 'correct horse' }] } },
    accounts: [{ id: 'a', applications: [{ id: 'h', numbers: ['hold'], mode: 'hold' }] }],
  });
  const phones: Softphone[] = [];
  const phone = async (credentials?: { username: string; password: string }) => {
    const base = await freeUdpRange(6);
    const p = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 5, ...(credentials ? { credentials } : {}) });
    phones.push(p);
    return p;
  };
  try {
    const ok = await phone({ username: 'alice', password: 'correct horse' });
    const call = await ok.dial(`sip:hold@127.0.0.1:${sipPort}`);
    assert.equal(gw.gw.calls.calls.size, 1);
    const requests = gw.gw.ua.authCounters;
    assert.equal(requests.challenged, 1, 'challenged once, then admitted');
    await call.hangup();
    await waitFor('the call gone at the gateway', () => gw.gw.calls.calls.size === 0, 1000);
    assert.equal(gw.gw.calls.calls.size, 0, 'the call ended cleanly');

    const wrong = await phone({ username: 'alice', password: 'not it' });
    await assert.rejects(wrong.dial(`sip:hold@127.0.0.1:${sipPort}`), (e: Error & { status?: number }) => e.status === 401);
    assert.equal(gw.gw.ua.authCounters.failed, 1);
    const none = await phone();
    await assert.rejects(none.dial(`sip:hold@127.0.0.1:${sipPort}`), (e: Error & { status?: number }) => e.status === 401);
    assert.ok(!gw.logs.some((l) => l.includes('correct horse') || l.includes('not it')), 'passwords never logged');
  } finally {
    for (const p of phones) await p.close();
    await gw.stop();
  }
});
