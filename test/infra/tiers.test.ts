/**
 * The test and benchmark runners themselves (README "Tests", "Benchmarks"): the unit tier's guard
 * fails a test that opens a socket or starts a process and lets a pure one pass; `scripts/bench.sh`
 * prints each report as one JSON line and names a benchmark that fails or prints no report, exiting 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { REPO } from '../helpers/gateway-process.js';

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // A runner started from inside a test must not think it is a test file itself.
  const { NODE_TEST_CONTEXT: _inner, ...outer } = process.env;
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: REPO, env: outer, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const unitRun = (file: string) => run(process.execPath, ['--import', 'tsx', '--import', './test/helpers/unit-guard.ts', '--test', `test/infra/fixtures/${file}`]);

test('unit guard: a socket or a child process fails the test, naming the call; a pure test passes', async () => {
  const socket = await unitRun('opens-socket.ts');
  assert.equal(socket.code, 1);
  assert.match(socket.stdout, /unit tests open no sockets and start no processes \(net\.Server\.listen\)/);
  const proc = await unitRun('starts-process.ts');
  assert.equal(proc.code, 1);
  assert.match(proc.stdout, /\(child_process\.execFileSync\)/);
  const pure = await unitRun('pure.ts');
  assert.equal(pure.code, 0, pure.stdout);
  assert.match(pure.stdout, /# pass 1/);
});

test('bench.sh: one JSON line per report; a failing or silent benchmark is named and the run exits 1', async () => {
  const fixtures = ['bench-ok.ts', 'bench-fails.ts', 'bench-silent.ts'].map((f) => `test/infra/fixtures/${f}`);
  const r = await run('bash', ['scripts/bench.sh', ...fixtures]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l)), [{ bench: 'ok', figures: { note: 'braces } in { strings' } }]);
  assert.match(r.stderr, /bench bench-fails: failed \(exit 2\)/);
  assert.match(r.stderr, /could not reach the thing/);
  assert.match(r.stderr, /bench bench-silent: printed no JSON report/);
  assert.match(r.stderr, /2 of 3 failed: bench-fails bench-silent/);
  const ok = await run('bash', ['scripts/bench.sh', fixtures[0]!]);
  assert.equal(ok.code, 0, ok.stderr);
});
