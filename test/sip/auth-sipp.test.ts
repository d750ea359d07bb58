/**
 * Digest authentication of incoming calls against a peer nobody here wrote: SIPp, challenged with
 * 401, answers with its own MD5 digest ([authentication]) and completes the call; wrong credentials
 * are challenged again and fail; a source in `exemptFrom` is not challenged at all.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, metricValue, type RunningGateway } from '../helpers/gateway-process.js';
import { runSipp } from '../helpers/sipp.js';

let gw: RunningGateway;
let open: RunningGateway;

before(async () => {
  const apps = [{ id: 'acme', applications: [{ id: 'line', numbers: ['service'], mode: 'hold' }] }];
  // SIPp 3.6 answers MD5 only: offer MD5 to it.
  gw = await startGateway({ sip: { auth: { realm: 'hushgate.test', users: [{ username: 'trunk', password: 'correct horse' }], algorithms: ['MD5'] } }, accounts: apps });
  open = await startGateway({ sip: { auth: { realm: 'hushgate.test', users: [{ username: 'trunk', password: 'correct horse' }], exemptFrom: ['127.0.0.1/32'] } }, accounts: apps });
});

after(async () => {
  assert.equal(await gw.stop(), 0);
  assert.equal(await open.stop(), 0);
});

test('SIPp answers the 401 challenge with its own digest and the call completes', async () => {
  const r = await runSipp({ scenario: 'auth-uac.xml', target: `127.0.0.1:${gw.sipPort}`, service: 'service', calls: 3, rate: 10, extra: ['-au', 'trunk', '-ap', 'correct horse'] });
  assert.equal(r.code, 0, r.errors || r.stderr);
  assert.equal(r.successful, 3);
  assert.match(r.messages, /WWW-Authenticate: Digest realm="hushgate\.test"/);
});

test('wrong credentials are challenged again and the call fails; the failure is counted, not the password logged', async () => {
  const r = await runSipp({ scenario: 'auth-uac.xml', target: `127.0.0.1:${gw.sipPort}`, service: 'service', calls: 1, extra: ['-au', 'trunk', '-ap', 'wrong password'], timeoutSec: 20 });
  assert.notEqual(r.code, 0);
  assert.equal(r.successful, 0);
  assert.ok((metricValue(await gw.metrics(), 'hushgate_sip_auth_failures') ?? 0) >= 1);
  const output = [...gw.logs, ...gw.stderr].join('\n');
  assert.ok(!output.includes('wrong password') && !output.includes('correct horse'));
  assert.ok(gw.logEntries().some((e) => e.msg === 'digest authentication failed'), 'the failure is logged (without credentials)');
});

test('a source in exemptFrom is not challenged (SIPp built-in uac without credentials)', async () => {
  const r = await runSipp({ scenario: 'uac', target: `127.0.0.1:${open.sipPort}`, service: 'service', calls: 2, rate: 10 });
  assert.equal(r.code, 0, r.errors || r.stderr);
  assert.equal(r.successful, 2);
});
