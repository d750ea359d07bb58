/**
 * Issue 14 item 6: TLS 1.2 without forward secrecy. With an RSA certificate (so static-RSA key
 * exchange is possible at all), a client offering only `AES128-SHA` used to connect. Now the
 * default offers ECDHE/DHE + AEAD suites only (TLS 1.3 suites unchanged), checked from outside with
 * `node:tls` clients and `openssl s_client`; an operator-set `ciphers` with anything else is
 * refused at start, naming the field.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { listenTls, tlsConfigSchema, type TlsTransport } from '../../src/sip/transport/tls.js';
import { configSchema } from '../../src/config/schema.js';

let dir = '';
let t: TlsTransport;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hushgate-fs-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore', timeout: 30_000 });
  t = await listenTls('127.0.0.1', 0, { cert: join(dir, 'rsa.pem'), key: join(dir, 'rsa.key') });
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Handshake with the given client cipher list: the negotiated `protocol cipher`, or the error code. */
function handshake(opts: { ciphers?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3' }): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: t.localPort, rejectUnauthorized: false, ...opts }, () => {
      resolve(`${s.getProtocol()} ${s.getCipher().name}`);
      s.destroy();
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(`refused ${e.code ?? e.message}`));
  });
}

test('TLS 1.2 key exchange without forward secrecy is refused; ECDHE-GCM and TLS 1.3 are served', async () => {
  assert.match(await handshake({ ciphers: 'AES128-SHA', maxVersion: 'TLSv1.2' }), /^refused .*HANDSHAKE_FAILURE/);
  assert.match(await handshake({ ciphers: 'AES256-GCM-SHA384', maxVersion: 'TLSv1.2' }), /^refused /, 'static RSA even with GCM');
  assert.match(await handshake({ ciphers: 'ECDHE-RSA-AES128-SHA', maxVersion: 'TLSv1.2' }), /^refused /, 'forward-secret but CBC');
  assert.equal(await handshake({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' }), 'TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256');
  assert.equal(await handshake({ ciphers: 'ECDHE-RSA-CHACHA20-POLY1305', maxVersion: 'TLSv1.2' }), 'TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305');
  assert.match(await handshake({}), /^TLSv1\.3 TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
});

function sClient(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${t.localPort}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.stdin.end('Q\n');
    const k = setTimeout(() => p.kill(), 10_000);
    p.on('close', (code) => (clearTimeout(k), resolve({ code, out })));
  });
}

test('openssl s_client: -tls1_2 -cipher AES128-SHA fails, ECDHE-RSA-AES128-GCM-SHA256 connects', async () => {
  const weak = await sClient(['-tls1_2', '-cipher', 'AES128-SHA']);
  assert.notEqual(weak.code, 0);
  assert.match(weak.out, /handshake failure|no ciphers available|alert/i);
  const good = await sClient(['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']);
  assert.match(good.out, /Cipher is ECDHE-RSA-AES128-GCM-SHA256/);
});

test('an operator cipher list with non-forward-secret suites or aliases is refused, naming sip.tls.ciphers', async () => {
  for (const ciphers of ['AES128-SHA', 'ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA256', 'HIGH:!aNULL', 'DEFAULT', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES128-GCM-SHA256:NOT-A-CIPHER']) {
    const r = tlsConfigSchema.safeParse({ cert: 'a', key: 'b', ciphers });
    assert.equal(r.success, false, ciphers);
    assert.deepEqual(r.error!.issues[0]!.path, ['ciphers']);
    assert.match(r.error!.issues[0]!.message, /forward-secret/);
    const full = configSchema.safeParse({ sip: { transports: ['tls'], tls: { cert: 'a', key: 'b', ciphers } } });
    assert.equal(full.success, false);
    assert.deepEqual(full.error!.issues[0]!.path, ['sip', 'tls', 'ciphers']);
  }
  assert.match(tlsConfigSchema.safeParse({ cert: 'a', key: 'b', ciphers: 'AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256' }).error!.issues[0]!.message, /refused: AES128-SHA$/);
  for (const ciphers of ['ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_256_GCM_SHA384:ECDHE-RSA-CHACHA20-POLY1305', 'DHE-RSA-AES256-GCM-SHA384']) {
    assert.equal(tlsConfigSchema.safeParse({ cert: 'a', key: 'b', ciphers }).success, true, ciphers);
  }
  // Programmatic users of the transport (the softphone) get the same refusal.
  await assert.rejects(listenTls('127.0.0.1', 0, { cert: join(dir, 'rsa.pem'), key: join(dir, 'rsa.key'), ciphers: 'AES128-SHA' }), /ciphers: .*refused: AES128-SHA/);
});
