/**
 * SIP over TLS (src/sip/transport/tls.ts) against real TLS clients from `node:tls`, with a CA,
 * server and client certificates issued by `openssl` at test time into a temp directory.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket, type ConnectionOptions } from 'node:tls';
import { listenTls, tlsConfigSchema, type TlsTransport } from '../../src/sip/transport/tls.js';
import type { InboundMessage } from '../../src/sip/transport/types.js';
import { waitFor } from '../helpers/wait.js';

let dir = '';
const f = (name: string) => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

/** Issue `name`.key/.pem signed by `ca` (or self-signed when ca is null) with the given serial. */
function issue(name: string, serial: number, ca: string | null, san = 'IP:127.0.0.1,DNS:localhost'): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  writeFileSync(f(`${name}.ext`), `subjectAltName=${san}\n`);
  if (ca) openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', String(serial), '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
  else openssl('x509', '-req', '-in', `${name}.csr`, '-signkey', `${name}.key`, '-set_serial', String(serial), '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hushgate-tls-'));
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Hushgate Test CA');
  issue('server', 0x1001, 'ca');
  issue('server2', 0x2002, 'ca');
  issue('client', 0x3003, 'ca', 'DNS:client.example');
  issue('rogue', 0x4004, null, 'DNS:rogue.example');
  // The transport's files; reload tests overwrite these.
  copyFileSync(f('server.pem'), f('live.pem'));
  copyFileSync(f('server.key'), f('live.key'));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const OPTIONS = (n = 1) =>
  Buffer.from(
    [
      'OPTIONS sips:gw@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK-tls-${n}`,
      'Max-Forwards: 70',
      'From: <sips:probe@127.0.0.1>;tag=t1',
      'To: <sips:gw@127.0.0.1>',
      `Call-ID: tls-test-${n}`,
      `CSeq: ${n} OPTIONS`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
const OK = (n = 1) => Buffer.from(`SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK-tls-${n}\r\nCSeq: ${n} OPTIONS\r\nContent-Length: 0\r\n\r\n`);

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms).unref())]);
}

function nextMessage(t: TlsTransport): Promise<InboundMessage> {
  return withTimeout(new Promise((resolve) => (t.onMessage = resolve)), 5000, 'transport onMessage');
}

/** Connect a client; resolves on secureConnect, rejects on error. */
function client(port: number, opts: ConnectionOptions = {}): Promise<TLSSocket> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ca: readFileSync(f('ca.pem')), ...opts }, () => resolve(s));
      s.once('error', reject);
    }),
    5000,
    'TLS client connect',
  );
}

function readFrom(s: TLSSocket): Promise<string> {
  return withTimeout(new Promise((resolve) => s.once('data', (d: Buffer) => resolve(d.toString()))), 5000, 'client read');
}

/** Resolves with the error code when the peer refuses the handshake (or the socket closes unused). */
function refused(s: TLSSocket): Promise<string> {
  return withTimeout(
    new Promise((resolve) => {
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      s.once('close', () => resolve('closed'));
    }),
    5000,
    'refusal',
  );
}

test('OPTIONS over TLS is framed and delivered; the response goes back on the same connection', async () => {
  const t = await listenTls('127.0.0.1', 0, { cert: f('live.pem'), key: f('live.key') });
  try {
    assert.equal(t.protocol, 'TLS');
    assert.equal(t.secure, true);
    assert.equal(t.reliable, true);
    const c = await client(t.localPort, { servername: 'localhost' });
    assert.ok(['TLSv1.2', 'TLSv1.3'].includes(c.getProtocol()!));
    const got = nextMessage(t);
    // Split the request over two writes: framing must join them.
    const req = OPTIONS();
    c.write(req.subarray(0, 30));
    setTimeout(() => c.write(req.subarray(30)), 20);
    const m = await got;
    assert.deepEqual(m.data, req);
    assert.equal(m.source.protocol, 'TLS');
    assert.equal(m.source.address, '127.0.0.1');
    assert.ok(m.connectionId);
    const reply = readFrom(c);
    await t.send(OK(), m.source, m.connectionId);
    assert.equal(await reply, OK().toString());
    assert.equal(t.connectionCount(), 1); // no second connection was opened for the response
    c.destroy();
  } finally {
    await t.close();
  }
});

test('TLS 1.1 clients are refused; TLS 1.2 is the minimum accepted', async () => {
  const t = await listenTls('127.0.0.1', 0, { cert: f('live.pem'), key: f('live.key') });
  try {
    const old = connect({ host: '127.0.0.1', port: t.localPort, ca: readFileSync(f('ca.pem')), minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    // The client can speak TLS 1.1 (SECLEVEL=0); the refusal is the server's protocol_version alert.
    const why = await refused(old);
    assert.equal(why, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    old.destroy();
    const c12 = await client(t.localPort, { maxVersion: 'TLSv1.2' });
    assert.equal(c12.getProtocol(), 'TLSv1.2');
    c12.destroy();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await t.close();
  }
});

test('configured ciphers are the ones negotiated (TLS 1.2)', async () => {
  const t = await listenTls('127.0.0.1', 0, { cert: f('live.pem'), key: f('live.key'), ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
  try {
    const c = await client(t.localPort, { maxVersion: 'TLSv1.2' });
    assert.equal(c.getCipher().name, 'ECDHE-ECDSA-AES256-GCM-SHA384');
    c.destroy();
    const other = connect({ host: '127.0.0.1', port: t.localPort, ca: readFileSync(f('ca.pem')), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    assert.match(await refused(other), /HANDSHAKE_FAILURE|NO_SHARED_CIPHER|closed/);
    other.destroy();
  } finally {
    await t.close();
  }
});

test('mutual TLS: no client certificate or one from another CA is refused; our CA’s client is served', async () => {
  const t = await listenTls('127.0.0.1', 0, { cert: f('live.pem'), key: f('live.key'), ca: f('ca.pem'), requireClientCert: true });
  let delivered = 0;
  t.onMessage = () => delivered++;
  try {
    for (const opts of [{}, { cert: readFileSync(f('rogue.pem')), key: readFileSync(f('rogue.key')) }]) {
      const s = connect({ host: '127.0.0.1', port: t.localPort, ca: readFileSync(f('ca.pem')), ...opts });
      // With TLS 1.3 the client may finish its side first; the server then alerts and closes.
      s.on('secureConnect', () => s.write(OPTIONS(9)));
      const why = await refused(s);
      assert.match(why, /CERTIFICATE_REQUIRED|UNKNOWN_CA|BAD_CERTIFICATE|HANDSHAKE|ECONNRESET|closed/, why);
      s.destroy();
    }
    // Once the refused connections are gone nothing more can arrive on them.
    await waitFor('the refused connections closed', () => t.connectionCount() === 0, 3000);
    assert.equal(delivered, 0);
    assert.equal(t.connectionCount(), 0);
    const good = await client(t.localPort, { cert: readFileSync(f('client.pem')), key: readFileSync(f('client.key')) });
    const got = nextMessage(t);
    good.write(OPTIONS(2));
    assert.deepEqual((await got).data, OPTIONS(2));
    good.destroy();
  } finally {
    await t.close();
  }
});

test('reload(): new connections get the new certificate, an open connection keeps working; bad files keep the old one', async () => {
  copyFileSync(f('server.pem'), f('live.pem'));
  copyFileSync(f('server.key'), f('live.key'));
  const t = await listenTls('127.0.0.1', 0, { cert: f('live.pem'), key: f('live.key') });
  try {
    const first = await client(t.localPort);
    assert.equal(first.getPeerCertificate().serialNumber.replace(/^0+/, ''), '1001');
    // Rotate the files on disk, then reload.
    copyFileSync(f('server2.pem'), f('live.pem'));
    copyFileSync(f('server2.key'), f('live.key'));
    assert.deepEqual(t.reload(), { ok: true });
    const second = await client(t.localPort);
    assert.equal(second.getPeerCertificate().serialNumber.replace(/^0+/, ''), '2002');
    assert.notEqual(second.getPeerCertificate().fingerprint256, first.getPeerCertificate().fingerprint256);
    // The connection opened before the reload still carries SIP both ways.
    const got = nextMessage(t);
    first.write(OPTIONS(3));
    const m = await got;
    const reply = readFrom(first);
    await t.send(OK(3), m.source, m.connectionId);
    assert.equal(await reply, OK(3).toString());
    // A broken rotation (key of another cert) is refused and the current certificate stays.
    copyFileSync(f('server.key'), f('live.key'));
    const bad = t.reload();
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.error : '', /live\.pem|live\.key/);
    assert.doesNotMatch(!bad.ok ? bad.error : '', /BEGIN|PRIVATE/);
    const third = await client(t.localPort);
    assert.equal(third.getPeerCertificate().serialNumber.replace(/^0+/, ''), '2002');
    for (const s of [first, second, third]) s.destroy();
  } finally {
    await t.close();
    copyFileSync(f('server.pem'), f('live.pem'));
    copyFileSync(f('server.key'), f('live.key'));
  }
});

test('outbound: send() opens a verified TLS connection presenting our certificate to an mTLS peer', async () => {
  const peer = await listenTls('127.0.0.1', 0, { cert: f('server2.pem'), key: f('server2.key'), ca: f('ca.pem'), requireClientCert: true });
  const us = await listenTls('127.0.0.1', 0, { cert: f('server.pem'), key: f('server.key'), ca: f('ca.pem') });
  try {
    const got = nextMessage(peer);
    await us.send(OPTIONS(4), { protocol: 'TLS', address: '127.0.0.1', port: peer.localPort });
    const m = await got;
    assert.deepEqual(m.data, OPTIONS(4));
    // The peer answers on the connection we opened: it comes back to us, not over a new one.
    const back = nextMessage(us);
    await peer.send(OK(4), m.source, m.connectionId);
    assert.deepEqual((await back).data, OK(4));
    assert.equal(us.connectionCount(), 1);
    assert.equal(peer.connectionCount(), 1);
  } finally {
    await us.close();
    await peer.close();
  }
});

test('listenTls fails at start with the file path when a PEM file is missing', async () => {
  await assert.rejects(listenTls('127.0.0.1', 0, { cert: f('nope.pem'), key: f('live.key') }), /nope\.pem.*ENOENT/);
});

test('tlsConfigSchema: defaults, and mutual TLS needs a CA', () => {
  const c = tlsConfigSchema.parse({ cert: '/etc/hushgate/tls.pem', key: '/etc/hushgate/tls.key' });
  assert.equal(c.port, 5061);
  assert.equal(c.requireClientCert, false);
  assert.equal(c.minVersion, 'TLSv1.2');
  assert.equal(c.verifyServer, true);
  const bad = tlsConfigSchema.safeParse({ cert: 'a', key: 'b', requireClientCert: true });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error!.issues[0]!.path, ['ca']);
  assert.equal(tlsConfigSchema.safeParse({ cert: 'a', key: 'b', minVersion: 'TLSv1.1' }).success, false);
});
