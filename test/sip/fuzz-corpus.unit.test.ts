/**
 * The fuzz regression corpus (test/sip/fixtures/fuzz-corpus/*.json): every input that ever made a
 * parser throw, hang or misbehave, one file each with what it found and how it was fixed. Each is
 * replayed through every parser family (test/helpers/fuzz-targets.ts: SIP message + header
 * parsers + the response echo, SDP + a=crypto, RTP, RTCP, SRTP/SRTCP unprotect): no throw, a
 * typed result, well under the fuzzer's hang limit; and through its own target with the outcome
 * its file expects. New findings of bench/fuzz.ts are written in this format.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUZZ_TARGETS, runTarget, type FuzzTarget } from '../helpers/fuzz-targets.js';

const DIR = join(import.meta.dirname, 'fixtures/fuzz-corpus');

interface CorpusEntry {
  target: FuzzTarget;
  found: string;
  fixed: string;
  expect?: { ok: boolean; errorMatches?: string };
  input: { base64?: string; text?: string };
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

test('the corpus is not empty and every entry says what it found and how it was fixed', () => {
  assert.ok(files.length >= 3);
  for (const f of files) {
    const e = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as CorpusEntry;
    assert.ok(FUZZ_TARGETS.includes(e.target), `${f}: target`);
    assert.ok(e.found.length > 20 && e.fixed.length > 10, `${f}: found/fixed notes`);
    assert.ok(e.input.base64 !== undefined || e.input.text !== undefined, `${f}: input`);
  }
});

for (const f of files) {
  test(`fuzz corpus: ${f}`, () => {
    const e = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as CorpusEntry;
    const input = e.input.base64 !== undefined ? Buffer.from(e.input.base64, 'base64') : Buffer.from(e.input.text!, 'utf8');
    for (const target of FUZZ_TARGETS) {
      const t0 = performance.now();
      const out = runTarget(target, input, true); // throws on an exception or an untyped result
      const ms = performance.now() - t0;
      // The fuzzer's limit is 50 ms; a loaded test machine gets five times that.
      assert.ok(ms < 250, `${target}: ${ms.toFixed(1)} ms`);
      if (target === e.target && e.expect) {
        assert.equal(out.ok, e.expect.ok, `${target}: ${out.error ?? 'accepted'}`);
        if (e.expect.errorMatches) assert.match(out.error ?? '', new RegExp(e.expect.errorMatches));
      }
    }
  });
}
