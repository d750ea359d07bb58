// `hushgate redact`: runRedact in-process, and the registered commander command in a real child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runRedact } from '../../src/cli/commands/redact.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

async function run(input: string, opts: { mode?: string; json?: boolean }): Promise<{ out: string; errors: number }> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  const r = await runRedact(Readable.from([input]), output, opts);
  return { out: Buffer.concat(chunks).toString('utf8'), errors: r.errors };
}

test('plain lines in, redacted lines out', async () => {
  const r = await run('my pin is 1 2 3 4\nhello there\n\nthe card number is 4111 1111 1111 1111', {});
  assert.equal(r.out, 'my pin is [PIN]\nhello there\n\nthe card number is [CREDIT_DEBIT_NUMBER]\n');
});

test('JSON lines: text and entities with offsets into the input; other fields are not echoed', async () => {
  const input = [
    JSON.stringify({ id: 'a', text: 'call me at 617-496-6867 please', pii: [{ type: 'PHONE', value: '617-496-6867' }] }),
    '',
    JSON.stringify({ id: 7, text: 'no pii here, option 2' }),
    JSON.stringify({ text: 'four one one one one one one one one one one one one one one one', prompt: 'What is your card number?' }),
  ].join('\n');
  const r = await run(input, { json: true });
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines[0], { id: 'a', text: 'call me at [PHONE] please', entities: [{ type: 'PHONE', start: 11, end: 23 }] });
  assert.deepEqual(lines[1], { id: 7, text: 'no pii here, option 2', entities: [] });
  assert.equal(lines[2].text, '[CREDIT_DEBIT_NUMBER]');
  assert.equal(lines.length, 3);
  assert.ok(!r.out.includes('617-496-6867'));
});

test('malformed JSON lines are reported per line and counted', async () => {
  const r = await run('not json\n{"id":1}\n{"text":"fine"}\n', { json: true });
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines, [{ error: 'not JSON' }, { id: 1, error: 'missing string field "text"' }, { text: 'fine', entities: [] }]);
  assert.equal(r.errors, 2);
});

test('modes: partial and token (one vault per input, repeats share a token)', async () => {
  assert.equal((await run('card 4111 1111 1111 1111', { mode: 'partial' })).out, 'card [CREDIT_DEBIT_NUMBER ****1111]\n');
  const t = await run('card 4111 1111 1111 1111\nagain 4111 1111 1111 1111', { mode: 'token' });
  assert.equal(t.out, 'card [CREDIT_DEBIT_NUMBER_1]\nagain [CREDIT_DEBIT_NUMBER_1]\n');
  await assert.rejects(run('x', { mode: 'shred' }), /unknown mode/);
});

test('the registered command runs in a child process (commander, stdin, stdout, exit code)', async () => {
  const program = [
    "import { Command } from 'commander';",
    "import { registerRedactCommand } from './src/cli/commands/redact.ts';",
    "const p = new Command('hushgate'); registerRedactCommand(p); await p.parseAsync(process.argv.slice(1), { from: 'user' });",
  ].join('\n');
  const runChild = (args: string[], stdin: string): Promise<{ code: number | null; out: string; err: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program, '--', 'redact', ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('child timed out')); }, 20_000);
      child.stdout.on('data', (c) => { out += c; });
      child.stderr.on('data', (c) => { err += c; });
      child.on('error', reject);
      child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
      child.stdin.end(stdin);
    });
  const plain = await runChild(['--mode', 'mask'], 'my social security number is 317-38-8212\n');
  assert.equal(plain.code, 0, plain.err);
  assert.equal(plain.out, 'my social security number is [SSN]\n');
  const json = await runChild(['--json'], '{"text":"my pin is six three two oh"}\nbroken\n');
  assert.equal(json.code, 1);
  assert.equal(json.out.split('\n')[0], JSON.stringify({ text: 'my pin is [PIN]', entities: [{ type: 'PIN', start: 10, end: 26 }] }));
  const bad = await runChild(['--mode', 'shred'], '');
  assert.equal(bad.code, 2);
});
