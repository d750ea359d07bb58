/**
 * Issue 14 item 4: a sender outside `sip.allowFrom` must not be able to aim the gateway's answers
 * at a third party (the old 403 went to the top Via's host). Reproduced from outside against the
 * real gateway process: a raw UDP socket on 127.0.0.2 (not allowed) names 127.0.0.3:<our
 * listener> in its Via; and sipvicious `svmap` does the same with `-x`. Nothing may reach the
 * listener, nor the sender (disallowed sources get silence); the drop is counted and logged at
 * most once per interval. An allowed source is still served.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startGateway, metricValue, type RunningGateway } from '../helpers/gateway-process.js';
import { RawSip, statusOf } from '../helpers/raw-sip.js';
import { freePort } from '../helpers/ports.js';

let gw: RunningGateway;

before(async () => {
  gw = await startGateway({ sip: { allowFrom: ['127.0.0.1/32'] }, accounts: [{ id: 'a', applications: [{ id: 'p', numbers: ['service'] }] }] });
});
after(async () => {
  await gw.stop();
});

async function udpOn(address: string, port = 0): Promise<{ sock: Socket; port: number; got: Buffer[] }> {
  const sock = createSocket('udp4');
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(m));
  await new Promise<void>((r) => sock.bind(port, address, () => r()));
  return { sock, port: sock.address().port, got };
}

/** From the allowed source: returns once the gateway has handled everything sent to it before. */
async function barrier(): Promise<void> {
  const ua = await RawSip.open();
  try {
    await ua.barrier(gw.sipPort);
  } finally {
    ua.close();
  }
}

function request(method: string, via: string, extra: string[] = []): Buffer {
  const id = randomBytes(6).toString('hex');
  return Buffer.from(
    [
      `${method} sip:service@127.0.0.1:${gw.sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP ${via};branch=z9hG4bK${id}`,
      `From: <sip:x@127.0.0.3>;tag=${id}`,
      `To: <sip:service@127.0.0.1:${gw.sipPort}>`,
      `Call-ID: ${id}`,
      `CSeq: 1 ${method}`,
      'Max-Forwards: 70',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

test('a disallowed UDP sender naming a third party in Via: nothing reaches the third party or the sender', async () => {
  const victim = await udpOn('127.0.0.3');
  const attacker = await udpOn('127.0.0.2');
  try {
    const forbiddenBefore = metricValue(await gw.metrics(), 'hushgate_sip_forbidden') ?? 0;
    const via = `127.0.0.3:${victim.port}`;
    const probes = [
      request('INVITE', via),
      request('OPTIONS', via),
      request('REGISTER', `${via};rport`),
      // Malformed (no CSeq number): the old code answered 400 before even looking at the allowlist.
      Buffer.from(request('OPTIONS', via).toString().replace(/CSeq: 1 OPTIONS/, 'CSeq: x OPTIONS')),
      Buffer.from(request('INVITE', via).toString().replace(/^INVITE /, 'INVITE  ')),
    ];
    for (let i = 0; i < 10; i++) for (const p of probes) attacker.sock.send(p, gw.sipPort, '127.0.0.1');
    // Answered after all 50 probes (one socket, read in order): any answer to them has been sent.
    await barrier();
    await gw.waitForLog((e) => e.reason === 'allowlist' && e.transport === 'UDP');
    assert.deepEqual(victim.got.map((b) => b.toString().split('\r\n')[0]), [], 'nothing may be sent to the Via host');
    assert.deepEqual(attacker.got.map((b) => b.toString().split('\r\n')[0]), [], 'disallowed sources get silence');
    assert.equal((metricValue(await gw.metrics(), 'hushgate_sip_forbidden') ?? 0) - forbiddenBefore, 50);
    // A diagnosable signal for a misconfigured trunk, rate-limited: one line for 50 packets.
    const lines = gw.logEntries().filter((e) => e.reason === 'allowlist' && e.transport === 'UDP');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.source, '127.0.0.2');
    assert.equal(lines[0]!.level, 40);
    // The process is fine and an allowed source is served as before.
    const ua = await RawSip.open();
    try {
      const { text, callId } = ua.request('OPTIONS', { port: gw.sipPort });
      ua.send(text, gw.sipPort);
      assert.equal(statusOf(await ua.receive((m) => m.includes(callId))), 200);
    } finally {
      ua.close();
    }
  } finally {
    victim.sock.close();
    attacker.sock.close();
  }
});

function svmap(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('svmap', args, { timeout: 30_000 }, (err, stdout, stderr) => (err && err.killed ? reject(err) : resolve(stdout + stderr))),
  );
}

test('sipvicious svmap from a disallowed source finds nothing and reflects nothing (-x names a third party)', async () => {
  const victim = await udpOn('127.0.0.3');
  try {
    const localPort = await freePort();
    // Control: svmap from the allowed address does see the gateway.
    const seen = await svmap(['-b', '127.0.0.1', '-P', String(localPort), '-p', String(gw.sipPort), '-t', '0.05', '127.0.0.1']);
    assert.match(seen, new RegExp(`127\\.0\\.0\\.1:${gw.sipPort}\\s*\\|`), seen);
    const out = await svmap(['-b', '127.0.0.2', '-x', '127.0.0.3', '-P', String(victim.port), '-p', String(gw.sipPort), '-t', '0.05', '127.0.0.1']);
    assert.doesNotMatch(out, new RegExp(`127\\.0\\.0\\.1:${gw.sipPort}\\s*\\|`), out);
    await barrier(); // svmap has exited: everything it sent is ahead of this
    assert.equal(victim.got.length, 0, 'svmap -x must not turn the gateway into a reflector');
  } finally {
    victim.sock.close();
  }
});
