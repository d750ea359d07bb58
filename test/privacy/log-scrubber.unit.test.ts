// Invariant I1: with the privacy scrubber installed, no PII from real utterances reaches a log line,
// whether logged as the message, as fields, nested, inside an Error, or via format arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, setLogScrubber } from '../../src/log/logger.js';
import { scrubForLogs } from '../../src/privacy/log-scrubber.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
// The repository's own labelled set (a fresh clone has nothing beside it).
const DEV_SET = resolve(REPO, 'test/privacy/fixtures/pii-dev.jsonl');

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

test('I1: logged PII from the development set never appears in the output', () => {
  assert.ok(existsSync(DEV_SET), `development set missing: ${DEV_SET}`);
  const cases = readFileSync(DEV_SET, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; pii: { value: string }[] });
  setLogScrubber(scrubForLogs);
  const out = capture();
  const log = createLogger({ level: 'debug', name: 'i1-test' }, out.stream);
  const values: string[] = [];
  for (const c of cases) {
    if (c.pii.length === 0) continue;
    values.push(...c.pii.map((p) => p.value));
    log.info(c.text);
    log.info({ transcript: c.text }, 'turn completed');
    log.warn({ turn: { caller: { said: c.text, alternatives: [c.text] } } }, 'nested');
    log.error({ err: new Error(`dialog rejected: ${c.text}`) }, 'dialog failed');
    log.error(new Error(`stt failed on ${c.text}`));
    log.debug('utterance %s', c.text);
  }
  log.info({ from: 'sip:+442079460958@203.0.113.5', email: 'ann.lee@example.com' }, 'metadata');
  values.push('442079460958', 'ann.lee@example.com');
  // grep everything a line carries except the logger's own time and pid (a 3-digit CVV can match the milliseconds)
  const text = out
    .text()
    .trim()
    .split('\n')
    .map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      delete o.time;
      delete o.pid;
      return JSON.stringify(o);
    })
    .join('\n')
    .toLowerCase();
  assert.ok(text.length > 10_000, 'the logger wrote the lines');
  const leaked = values.filter((v) => text.includes(v.toLowerCase()));
  assert.deepEqual(leaked, []);
  // ordinary content stays readable
  assert.ok(text.includes('turn completed'));
  assert.ok(text.includes('[credit_debit_number]'));
});

test('scrubForLogs keeps short numbers and masks machine-formatted identifiers', () => {
  assert.equal(scrubForLogs('listening on port 5060 after 45 ms'), 'listening on port 5060 after 45 ms');
  assert.equal(scrubForLogs('INVITE from sip:+16469584337@10.0.0.1'), 'INVITE from sip:[PHONE]@10.0.0.1');
  assert.equal(scrubForLogs('payload {"n":"0012025550143x"}'), 'payload {"n":"[PHONE]"}');
  assert.equal(scrubForLogs('contact <mailto:a.b@c.io>'), 'contact <mailto:[EMAIL]>');
});

test('scrubForLogs is fast on ordinary lines', () => {
  const line = 'call 7f3a answered, stt engine ready, dialog webhook responded 200 in 85 ms';
  const start = process.hrtime.bigint();
  for (let i = 0; i < 20_000; i++) scrubForLogs(line);
  const perCallUs = Number(process.hrtime.bigint() - start) / 1e3 / 20_000;
  assert.ok(perCallUs < 50, `scrubForLogs took ${perCallUs.toFixed(1)} µs per line`);
});
