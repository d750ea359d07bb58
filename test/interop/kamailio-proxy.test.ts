/**
 * The gateway behind a record-routing proxy, as trunks reach it through an SBC or proxy: SIPp (a UAC
 * nobody here wrote) → Kamailio 5.6 (stateful proxy, `record_route`, `loose_route`) → the gateway
 * process. In-dialog requests must follow the route set both ways (RFC 3261 §12.2, §16.12):
 *  - the caller's ACK, re-INVITE (hold, answered recvonly) and BYE reach the gateway through the proxy;
 *  - the gateway's own BYE goes back through the proxy (two Vias at the caller, no Route left);
 *  - `sipsak` OPTIONS pings get 200 directly and through the proxy (monitoring).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { startKamailio, type RunningKamailio } from '../helpers/kamailio.js';
import { runSipp } from '../helpers/sipp.js';

let gw: RunningGateway;
let kam: RunningKamailio;

before(async () => {
  gw = await startGateway({
    accounts: [{ id: 'acme', applications: [
      { id: 'line', numbers: ['service'], mode: 'hold' },
      { id: 'short', numbers: ['short'], mode: 'hold', holdSeconds: 1 },
    ] }],
  });
  kam = await startKamailio(join(import.meta.dirname, 'kamailio/proxy.cfg'), { GATEWAY_PORT: gw.sipPort });
});

after(async () => {
  await kam?.stop();
  const code = await gw?.stop();
  assert.equal(code, 0, 'gateway exits cleanly');
});

test('through the proxy: ACK, hold re-INVITE and the caller BYE follow the route set', async () => {
  const r = await runSipp({ scenario: 'proxy-caller-bye.xml', target: `127.0.0.1:${kam.port}`, service: 'service', calls: 3, rate: 10 });
  assert.equal(r.code, 0, `${r.errors || r.stderr}\n${kam.log().slice(-2000)}`);
  assert.equal(r.successful, 3);
});

test("through the proxy: the gateway's BYE goes back through the proxy", async () => {
  const r = await runSipp({ scenario: 'proxy-gateway-bye.xml', target: `127.0.0.1:${kam.port}`, service: 'short', calls: 2, rate: 10 });
  assert.equal(r.code, 0, `${r.errors || r.stderr}\n${kam.log().slice(-2000)}`);
  assert.equal(r.successful, 2);
});

function sipsak(uri: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('sipsak', ['-s', uri, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
    p.on('error', reject);
    p.on('exit', (code) => (clearTimeout(t), resolve({ code, out })));
  });
}

test('sipsak OPTIONS pings get 200 OK, directly and through the proxy', async () => {
  for (const port of [gw.sipPort, kam.port]) {
    const r = await sipsak(`sip:ping@127.0.0.1:${port}`);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /200 OK/);
  }
});
