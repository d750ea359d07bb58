import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { REPO } from '../helpers/gateway-process.js';

const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('defaults: an empty file gives a gateway on 5060 with no numbers', () => {
  const c = loadConfig(file('empty.yaml', ''), {});
  assert.equal(c.sip.port, 5060);
  assert.deepEqual(c.sip.transports, ['udp', 'tcp']);
  assert.equal(c.admin.host, '127.0.0.1');
  assert.deepEqual(c.accounts, []);
});

test('a bad field fails naming its path', () => {
  const p = file('bad.yaml', 'sip:\n  port: 70000\naccounts:\n  - id: a\n    applications:\n      - id: x\n        region: mars\n');
  assert.throws(
    () => loadConfig(p, {}),
    (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'sip.port') && e.issues.some((i) => i.path === 'accounts.0.applications.0.region' && /mars/.test(i.message)),
  );
  assert.throws(() => loadConfig(file('cidr.yaml', 'sip:\n  allowFrom: ["10.0.0.0/33"]\n'), {}), (e: unknown) => e instanceof ConfigError && e.issues[0]!.path === 'sip.allowFrom.0');
  assert.throws(() => loadConfig(file('yaml.yaml', 'sip: [unclosed'), {}), /not valid YAML/);
  assert.throws(() => loadConfig(join(dir, 'missing.yaml'), {}), /cannot read/);
});

test('HUSHGATE_* environment variables override the file (nested with __)', () => {
  const p = file('env.yaml', 'sip:\n  port: 5070\n');
  const c = loadConfig(p, { HUSHGATE_SIP__PORT: '5080', HUSHGATE_LOG__LEVEL: 'debug', HUSHGATE_SIP__ALLOW_FROM: '["10.0.0.0/8"]' });
  assert.equal(c.sip.port, 5080);
  assert.equal(c.log.level, 'debug');
  assert.deepEqual(c.sip.allowFrom, ['10.0.0.0/8']);
  assert.throws(() => loadConfig(p, { HUSHGATE_SIP__PORT: 'abc' }), (e: unknown) => e instanceof ConfigError && e.issues[0]!.path === 'sip.port');
});

test('hushgate start with a bad config exits 2 and names the field on stderr', () => {
  const p = file('start-bad.yaml', 'media:\n  rtpPortMin: 30000\n  rtpPortMax: 20000\n');
  const r = spawnSync(process.execPath, [join(REPO, 'dist/cli/main.js'), 'start', '-c', p], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /media\.rtpPortMin/);
});

test('media.srtpBackend: auto by default; an unknown library fails naming the field', () => {
  assert.equal(loadConfig(file('srtp-default.yaml', ''), {}).media.srtpBackend, 'auto');
  assert.equal(loadConfig(file('srtp-openssl.yaml', 'media:\n  srtpBackend: openssl\n'), {}).media.srtpBackend, 'openssl');
  assert.throws(
    () => loadConfig(file('srtp-bad.yaml', 'media:\n  srtpBackend: gnutls\n'), {}),
    (e: unknown) => e instanceof ConfigError && e.issues[0]!.path === 'media.srtpBackend',
  );
});

const vadApp = (vad: string, dataDir: string) =>
  `dataDir: ${dataDir}\nsip:\n  port: 0\nadmin:\n  port: 0\nregions:\n  default:\n    store: { kind: sqlite }\naccounts:\n  - id: a\n    applications:\n      - id: hold\n        numbers: ["1000"]\n      - id: agent\n        mode: agent\n        numbers: ["1001"]\n        speech:\n          vad: ${vad}\n`;

test('speech.vad per application: energy by default, silero on request, a bad value names the field', () => {
  const c = loadConfig(file('vad.yaml', vadApp('silero', join(dir, 'var-vad'))), {});
  assert.deepEqual(c.accounts[0]!.applications.map((a) => a.speech.vad), ['energy', 'silero']);
  assert.throws(
    () => loadConfig(file('vad-bad.yaml', vadApp('webrtc', join(dir, 'var-vad'))), {}),
    (e: unknown) => e instanceof ConfigError && e.issues[0]!.path === 'accounts.0.applications.1.speech.vad',
  );
});

test('hushgate start with speech.vad: silero whose model cannot load exits 2 and names the field', () => {
  // The runtime made unloadable for this process only: a resolve hook refuses onnxruntime-node.
  const hook = `export async function resolve(s, c, next) { if (s === 'onnxruntime-node') throw new Error('onnxruntime-node is not installed'); return next(s, c); }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(hook))});`;
  const p = file('vad-start.yaml', vadApp('silero', join(dir, 'var-vad-start')));
  const r = spawnSync(process.execPath, ['--import', 'data:text/javascript,' + encodeURIComponent(register), join(REPO, 'dist/cli/main.js'), 'start', '-c', p], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /accounts\.0\.applications\.1\.speech\.vad: the silero VAD cannot be loaded: onnxruntime-node is not installed/);
});
