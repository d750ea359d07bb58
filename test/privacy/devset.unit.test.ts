// The labelled development set (test/privacy/fixtures/pii-dev.jsonl, a copy kept in the repository so a
// fresh clone can run it): every case must pass, and per-type recall and precision are reported as diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { evaluateCases, parseLabelledCases } from '../../src/privacy/evaluate.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const DEV_SET = resolve(repoRoot, 'test/privacy/fixtures/pii-dev.jsonl');

test('pii-dev.jsonl: no PII value survives and every keep string survives', (t) => {
  assert.ok(existsSync(DEV_SET), `development set missing: expected ${DEV_SET}`);
  const parsed = parseLabelledCases(readFileSync(DEV_SET, 'utf8'));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  const report = evaluateCases(parsed.cases);
  for (const [type, s] of Object.entries(report.perType)) {
    t.diagnostic(`${type}: recall ${s.recall.toFixed(3)} (${s.found}/${s.labelled}) precision ${s.precision.toFixed(3)} (${s.correct}/${s.detected})`);
  }
  assert.ok(report.cases >= 100, 'the development set has at least 100 cases');
  assert.deepEqual(report.failures, []);
  assert.equal(report.keepRate, 1);
  for (const [type, s] of Object.entries(report.perType)) {
    assert.ok(s.recall >= 0.95, `${type} recall ${s.recall}`);
    assert.ok(s.precision >= 0.95, `${type} precision ${s.precision}`);
  }
});

test('the evaluator fails a case that leaks a value or loses a keep string', () => {
  const report = evaluateCases([
    { text: 'my favourite colour is blue', pii: [{ type: 'NAME', value: 'blue' }], keep: [] },
    { text: 'my pin is 1 2 3 4 and option 2', pii: [], keep: ['1 2 3 4'] },
  ]);
  assert.equal(report.passed, 0);
  assert.deepEqual(report.failures.map((f) => [f.leaked, f.lost]), [[['blue'], []], [[], ['1 2 3 4']]]);
});
