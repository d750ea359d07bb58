/** `media.workers`: 0 by default (media on the main thread), 'auto' or a count; anything else fails naming the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { resolveWorkerCount } from '../../src/media/index.js';

test('media.workers: 0 by default, auto or a count accepted, anything else fails naming the field', () => {
  assert.equal(parseConfig({}).media.workers, 0);
  assert.equal(parseConfig({ media: { workers: 'auto' } }).media.workers, 'auto');
  assert.equal(parseConfig({ media: { workers: 3 } }).media.workers, 3);
  for (const bad of [-1, 1.5, 'many']) {
    assert.throws(
      () => parseConfig({ media: { workers: bad } }),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'media.workers'),
      String(bad),
    );
  }
});

test("'auto' is one worker per core less one for the main thread, never fewer than one", () => {
  assert.equal(resolveWorkerCount('auto', 8), 7);
  assert.equal(resolveWorkerCount('auto', 2), 1);
  assert.equal(resolveWorkerCount('auto', 1), 1);
  assert.equal(resolveWorkerCount(4, 2), 4);
});
