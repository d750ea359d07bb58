/**
 * Issue 14 item 5: connection exhaustion over TCP and TLS, reproduced from outside with raw
 * `node:net` / `node:tls` clients against the real gateway process, with short configured
 * deadlines so each case takes about a second:
 * - a source outside `sip.allowFrom` is reset at accept, before a TLS handshake (was: kept open);
 * - per-source and global connection caps (was: none);
 * - a connection that sends nothing, or dribbles a message (slowloris), is closed after
 *   `headerTimeoutSec`; a half-open TLS handshake after `tls.handshakeTimeoutSec` (was: minutes);
 * - a connection without a dialog is closed after `idleTimeoutSec`, one carrying a call is not;
 * - and a legitimate call over TCP (SIPp) still completes while the attack connections are held.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { runSipp } from '../helpers/sipp.js';
import { PCMU_OFFER } from '../helpers/raw-sip.js';
import { createTestPki, type TestPki } from './certs.js';
import { configSchema } from '../../src/config/schema.js';

let gw: RunningGateway;
let pki: TestPki;
let tlsPort = 0;

before(async () => {
  pki = createTestPki();
  const server = pki.issue('server', 0x51);
  tlsPort = await freePort();
  gw = await startGateway({
    sip: {
      transports: ['udp', 'tcp', 'tls'],
      // 127.0.0.2 is the stranger; 127.0.0.4–7 are extra trunk addresses for the global cap.
      allowFrom: ['127.0.0.1/32', '127.0.0.4/30'],
      connections: { max: 12, maxPerSource: 4, headerTimeoutSec: 1, idleTimeoutSec: 1.5 },
      tls: { port: tlsPort, cert: server.cert, key: server.key, handshakeTimeoutSec: 1 },
    },
    accounts: [{ id: 'a', applications: [{ id: 'p', numbers: ['service'] }] }],
  });
});
after(async () => {
  await gw.stop();
  pki.cleanup();
});

interface Probe {
  sock: Socket;
  data: Buffer[];
  /** Resolves with the ms from connect to close (and the error code, if any). */
  closed: Promise<{ afterMs: number; code?: string }>;
  connected: Promise<void>;
}

function probe(sock: Socket, connectEvent = 'connect', maxMs = 6000): Probe {
  const t0 = Date.now();
  const data: Buffer[] = [];
  let code: string | undefined;
  sock.on('data', (d: Buffer) => data.push(d));
  sock.on('error', (e: NodeJS.ErrnoException) => (code ??= e.code ?? e.message));
  // Rejects (failing the test rather than hanging it) when the gateway keeps the connection for `maxMs`.
  const closed = new Promise<{ afterMs: number; code?: string }>((r, reject) => {
    const t = setTimeout(() => reject(new Error(`connection still open after ${maxMs} ms`)), maxMs);
    sock.once('close', () => (clearTimeout(t), r({ afterMs: Date.now() - t0, code })));
  });
  closed.catch(() => sock.destroy());
  const connected = new Promise<void>((r, reject) => {
    sock.once(connectEvent, () => r());
    sock.once('close', () => reject(new Error('closed before connecting')));
  });
  connected.catch(() => {});
  return { sock, data, closed, connected };
}

const tcpFrom = (localAddress: string, port = gw.sipPort, maxMs?: number) => probe(netConnect({ host: '127.0.0.1', port, localAddress }), 'connect', maxMs);
const tlsFrom = (localAddress: string) =>
  probe(tlsConnect({ socket: netConnect({ host: '127.0.0.1', port: tlsPort, localAddress }), servername: 'localhost', ca: readFileSync(pki.ca) }), 'secureConnect');

/** Still open after `ms`? */
async function openAfter(p: Probe, ms: number): Promise<boolean> {
  const r = await Promise.race([p.closed.then(() => false), new Promise<boolean>((res) => setTimeout(() => res(true), ms))]);
  return r;
}

async function metric(name: string, reason: string): Promise<number> {
  const text = await gw.metrics();
  const m = new RegExp(`^${name}\\{reason="${reason}"\\} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function options(callId = randomBytes(6).toString('hex'), transport = 'TCP'): string {
  return [
    `OPTIONS sip:service@127.0.0.1:${gw.sipPort} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:5999;branch=z9hG4bK${callId}`,
    `From: <sip:probe@127.0.0.1>;tag=${callId}`,
    `To: <sip:service@127.0.0.1>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

test('a source outside allowFrom is reset at accept on TCP, and on TLS before any handshake', async () => {
  const before = await metric('hushgate_sip_connections_refused', 'allowlist');
  const tcp = tcpFrom('127.0.0.2');
  // Written at once (buffered until connected): the reset may come before 'connect' is seen.
  tcp.sock.write(options());
  const t = await tcp.closed;
  assert.ok(t.afterMs < 500, `closed after ${t.afterMs} ms`);
  assert.equal(Buffer.concat(tcp.data).length, 0, 'no byte is answered');
  const tls = tlsFrom('127.0.0.2');
  const c = await tls.closed;
  assert.ok(c.afterMs < 500, `closed after ${c.afterMs} ms`);
  assert.match(c.code ?? '', /ECONNRESET|disconnected before secure TLS/);
  assert.equal((tls.sock as TLSSocket).getPeerCertificate()?.subject, undefined, 'no certificate was presented');
  assert.equal((await metric('hushgate_sip_connections_refused', 'allowlist')) - before, 2);
});

test('per-source cap: the 5th connection from one address is reset; a slot freed is usable again', async () => {
  const held = [0, 1, 2, 3].map(() => tcpFrom('127.0.0.1'));
  await Promise.all(held.map((h) => h.connected));
  await new Promise((r) => setTimeout(r, 100));
  const fifth = tcpFrom('127.0.0.1');
  const c = await fifth.closed;
  assert.ok(c.afterMs < 500, `5th closed after ${c.afterMs} ms`);
  assert.ok((await metric('hushgate_sip_connections_refused', 'per-source-cap')) >= 1);
  held[0]!.sock.destroy();
  await held[0]!.closed;
  await new Promise((r) => setTimeout(r, 100));
  const again = tcpFrom('127.0.0.1');
  await again.connected;
  assert.equal(await openAfter(again, 300), true);
  for (const h of [...held, again]) h.sock.destroy();
  await new Promise((r) => setTimeout(r, 100));
});

test('global cap: with 12 connections held over three sources, a 4th source is reset', async () => {
  const held = ['127.0.0.1', '127.0.0.4', '127.0.0.5'].flatMap((a) => [0, 1, 2, 3].map(() => tcpFrom(a)));
  await Promise.all(held.map((h) => h.connected));
  await new Promise((r) => setTimeout(r, 100));
  const extra = tcpFrom('127.0.0.6');
  const c = await extra.closed;
  assert.ok(c.afterMs < 500, `closed after ${c.afterMs} ms`);
  assert.ok((await metric('hushgate_sip_connections_refused', 'global-cap')) >= 1);
  for (const h of held) h.sock.destroy();
  await new Promise((r) => setTimeout(r, 100));
});

test('header deadline: a silent connection and a slowloris one are closed after headerTimeoutSec (1 s)', async () => {
  const silent = tcpFrom('127.0.0.1');
  const slow = tcpFrom('127.0.0.1');
  await Promise.all([silent.connected, slow.connected]);
  const msg = options();
  let i = 0;
  const drip = setInterval(() => {
    if (!slow.sock.destroyed && i < msg.length - 10) slow.sock.write(msg[i++]!);
  }, 100);
  try {
    const [a, b] = await Promise.all([silent.closed, slow.closed]);
    for (const x of [a, b]) assert.ok(x.afterMs >= 900 && x.afterMs < 2500, `closed after ${x.afterMs} ms`);
    assert.ok(i > 5, 'bytes kept flowing, and still it was closed');
  } finally {
    clearInterval(drip);
  }
  assert.ok((await metric('hushgate_sip_connections_closed', 'header-timeout')) >= 2);
});

test('TLS handshake deadline: a silent TCP connection to the TLS port and a half-sent ClientHello are closed after 1 s', async () => {
  const silent = tcpFrom('127.0.0.1', tlsPort);
  const partial = tcpFrom('127.0.0.1', tlsPort);
  await Promise.all([silent.connected, partial.connected]);
  partial.sock.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])); // a record header promising 512 bytes, then nothing
  const [a, b] = await Promise.all([silent.closed, partial.closed]);
  for (const x of [a, b]) assert.ok(x.afterMs >= 900 && x.afterMs < 2500, `closed after ${x.afterMs} ms`);
  assert.ok((await metric('hushgate_sip_connections_closed', 'handshake-timeout')) >= 2);
});

/** Wait for a SIP response on a stream socket whose text matches. */
async function response(p: Probe, re: RegExp, timeoutMs = 3000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = Buffer.concat(p.data).toString();
    const m = re.exec(text);
    if (m) return m[0];
    if (Date.now() > deadline) throw new Error(`no ${re} in ${JSON.stringify(text.slice(0, 300))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('idle: after a transaction, a connection with no dialog is closed after idleTimeoutSec; one carrying a call stays and its BYE works', async () => {
  const idle = tcpFrom('127.0.0.1');
  await idle.connected;
  idle.sock.write(options());
  await response(idle, /SIP\/2\.0 200 OK/);
  const t0 = Date.now();
  const closed = await idle.closed;
  const after = Date.now() - t0;
  assert.ok(after >= 1000 && after < 3500, `idle connection closed ${after} ms after its last message (${closed.afterMs} after connect)`);

  const call = tcpFrom('127.0.0.1', gw.sipPort, 30_000);
  await call.connected;
  const id = randomBytes(6).toString('hex');
  const sdp = PCMU_OFFER();
  const head = (method: string, cseq: number, toTag = '') =>
    [
      `${method} sip:service@127.0.0.1:${gw.sipPort};transport=tcp SIP/2.0`,
      `Via: SIP/2.0/TCP 127.0.0.1:5998;branch=z9hG4bK${id}${method}${cseq}`,
      `From: <sip:caller@127.0.0.1>;tag=${id}`,
      `To: <sip:service@127.0.0.1>${toTag ? ';tag=' + toTag : ''}`,
      `Call-ID: ${id}`,
      `CSeq: ${cseq} ${method}`,
      'Contact: <sip:caller@127.0.0.1:5998;transport=tcp>',
      'Max-Forwards: 70',
    ];
  call.sock.write([...head('INVITE', 1), 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp].join('\r\n'));
  const ok = await response(call, /SIP\/2\.0 200 OK[\s\S]*?\r\n\r\n/);
  const toTag = /^To:.*;tag=([^;\s]+)/m.exec(ok)![1]!;
  call.sock.write([...head('ACK', 1, toTag), 'Content-Length: 0', '', ''].join('\r\n'));
  // Three idle limits of silence: the call keeps its connection.
  assert.equal(await openAfter(call, 4500), true, 'a connection carrying a call is not idle');
  call.data.length = 0;
  call.sock.write([...head('BYE', 2, toTag), 'Content-Length: 0', '', ''].join('\r\n'));
  await response(call, /SIP\/2\.0 200 OK[^]*CSeq: 2 BYE/);
  // (After the BYE the INVITE transaction still lives for Timer L = 64·T1, then the connection is idle like any other.)
  call.sock.destroy();
  assert.ok((await metric('hushgate_sip_connections_closed', 'idle')) >= 1);
});

test('a legitimate SIPp call over TCP completes while attack connections are held', async () => {
  // Fill 127.0.0.4's slots with connections that never send, and hammer the listener from the stranger.
  const held = [0, 1, 2, 3].map(() => tcpFrom('127.0.0.4'));
  const strangers = Array.from({ length: 20 }, () => tcpFrom('127.0.0.2'));
  try {
    const r = await runSipp({ scenario: 'uac', target: `127.0.0.1:${gw.sipPort}`, service: 'service', calls: 2, transport: 't1' });
    assert.equal(r.code, 0, r.errors || r.stderr);
    assert.equal(r.successful, 2);
    for (const s of strangers) assert.ok((await s.closed).afterMs < 1000);
  } finally {
    for (const h of [...held, ...strangers]) h.sock.destroy();
  }
});

test('config: sip.connections and sip.tls.handshakeTimeoutSec have documented defaults and refuse nonsense, naming the field', () => {
  const c = configSchema.parse({});
  assert.deepEqual(c.sip.connections, { max: 1024, maxPerSource: 64, headerTimeoutSec: 10, idleTimeoutSec: 120 });
  assert.equal(configSchema.parse({ sip: { transports: ['tls'], tls: { cert: 'a', key: 'b' } } }).sip.tls!.handshakeTimeoutSec, 10);
  for (const [connections, field] of [[{ max: 0 }, 'max'], [{ maxPerSource: 1.5 }, 'maxPerSource'], [{ headerTimeoutSec: 0 }, 'headerTimeoutSec'], [{ idleTimeoutSec: -1 }, 'idleTimeoutSec']] as const) {
    const r = configSchema.safeParse({ sip: { connections } });
    assert.equal(r.success, false);
    assert.deepEqual(r.error!.issues[0]!.path, ['sip', 'connections', field]);
  }
});
