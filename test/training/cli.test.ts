import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { runErase } from '../../src/cli/commands/erase.js';
import { parseSince, runExport, runRotateKeys } from '../../src/cli/commands/training.js';
import { RegionStores } from '../../src/store/open.js';
import { TrainingCapture, policyLookup } from '../../src/training/capture.js';
import { FileKeyStore } from '../../src/training/keystore.js';
import { days, policy, utterance } from './helpers.js';
import { FakeClock } from '../../src/time/clock.js';

const cliFixture = fileURLToPath(new URL('./fixtures/cli.ts', import.meta.url));

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliFixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HUSHGATE_CONFIG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('CLI: erase and training export', () => {
  let dir: string;
  let configFile: string;
  const clock = new FakeClock({ epochStart: Date.now() - 2 * 86_400_000 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hushgate-cli-'));
    configFile = join(dir, 'hushgate.yaml');
    writeFileSync(
      configFile,
      `dataDir: ${JSON.stringify(dir)}\ndefaultCountry: GB\nregions:\n  eu: {}\n  us: {}\naccounts:\n  - id: acme\n    applications:\n      - id: support\n        region: eu\n`,
    );
    // Records captured as the running gateway would (training enabled for the application).
    const stores = await RegionStores.open({ eu: { store: { kind: 'sqlite' } }, us: { store: { kind: 'sqlite' } } }, dir);
    const capture = new TrainingCapture({ stores, keyStore: new FileKeyStore(join(dir, 'keys')), policyOf: policyLookup([policy()]), clock, defaultCountry: 'GB' });
    for (let i = 0; i < 6; i++) await capture.capture(utterance({ transcript: `early ${i}`, from: i < 4 ? '+442079460958' : '+442079461111' }));
    clock.advance(days(1));
    for (let i = 0; i < 4; i++) await capture.capture(utterance({ transcript: `late ${i}`, from: '+442079462222' }));
    await stores.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('parses --since as ISO or epoch ms and rejects anything else', () => {
    assert.deepEqual(parseSince('2026-01-02T00:00:00Z'), { ok: true, value: Date.UTC(2026, 0, 2) });
    assert.deepEqual(parseSince('1700000000000'), { ok: true, value: 1_700_000_000_000 });
    assert.equal(parseSince('yesterday').ok, false);
  });

  it('exports decrypted JSON lines (with --since), reports progress on stderr, and audits the export', async () => {
    const a = io();
    assert.equal(await runExport({ account: 'acme', application: 'support', region: 'eu', config: configFile, local: true }, loadConfig, a.io), 0);
    const lines = a.out().trim().split('\n').map((l) => JSON.parse(l) as { transcript: string; from: string; id: string });
    assert.equal(lines.length, 10);
    assert.deepEqual(lines.map((l) => l.transcript).sort(), ['early 0', 'early 1', 'early 2', 'early 3', 'early 4', 'early 5', 'late 0', 'late 1', 'late 2', 'late 3']);
    assert.equal(lines[0]!.from, '+44207946XXXX');
    assert.match(a.err(), /100% 10\/10/);
    const b = io();
    const since = new Date(clock.epochMs() - 1000).toISOString();
    assert.equal(await runExport({ account: 'acme', application: 'support', region: 'eu', since, config: configFile, local: true }, loadConfig, b.io), 0);
    assert.deepEqual(b.out().trim().split('\n').map((l) => (JSON.parse(l) as { transcript: string }).transcript).sort(), ['late 0', 'late 1', 'late 2', 'late 3']);
    const c = io();
    assert.equal(await runExport({ account: 'acme', application: 'support', region: 'mars', config: configFile, local: true }, loadConfig, c.io), 2);
    assert.match(c.err(), /region "mars" has no store/);

    const stores = await RegionStores.open({ eu: { store: { kind: 'sqlite' } } }, dir);
    const audits = await stores.get('eu').listAudit({ action: 'training.export' });
    await stores.close();
    assert.equal(audits.length, 2);
    assert.deepEqual(audits.map((x) => x.details.exported), [10, 4]);
    assert.ok(audits.every((x) => x.actor === 'cli' && x.details.completed === true && x.target === 'acme/support'));
  });

  it('erases through a spawned `hushgate erase` and prints a receipt without the number', async () => {
    const r = await run(['erase', '--account', 'acme', '--application', 'support', '--number', '020 7946 0958', '--request-id', 'req-cli-1', '--config', configFile, '--local']);
    assert.equal(r.code, 0, r.stderr);
    const receipt = JSON.parse(r.stdout) as { requestId: string; counts: Record<string, number> };
    assert.equal(receipt.requestId, 'req-cli-1');
    assert.deepEqual(receipt.counts, { trainingRecords: 4, dataKeys: 1 });
    assert.equal(r.stdout.includes('7946'), false);
    const exp = await run(['training', 'export', '--account', 'acme', '--application', 'support', '--region', 'eu', '--local', '--config', configFile, '--out', join(dir, 'out.jsonl')]);
    assert.equal(exp.code, 0, exp.stderr);
    assert.equal(readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').length, 6);
    assert.equal(statSync(join(dir, 'out.jsonl')).mode & 0o777, 0o600);
    assert.match(exp.stderr, /exported 6 record/);
  });

  it('refuses bad arguments with exit code 2 and rotates keys', async () => {
    const a = io();
    assert.equal(await runErase({ account: 'acme', application: 'support', number: 'nobody', config: configFile, local: true }, loadConfig, a.io), 2);
    assert.match(a.err(), /phoneNumber/);
    const b = io();
    assert.equal(await runErase({ account: 'acme', application: 'support', number: '+1', config: join(dir, 'missing.yaml'), local: true }, loadConfig, b.io), 2);
    const missing = await run(['erase', '--account', 'acme', '--config', configFile, '--local']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /--application/);
    const c = io();
    assert.equal(await runRotateKeys({ region: 'eu', config: configFile }, loadConfig, c.io), 0);
    assert.deepEqual(JSON.parse(c.out()), { kekId: 'file:eu:2', rewrapped: 2 });
    const d = io();
    assert.equal(await runExport({ account: 'acme', application: 'support', region: 'eu', config: configFile, local: true }, loadConfig, d.io), 0);
    assert.equal(d.out().trim().split('\n').length, 6, 'records open after rotation');
  });
});
