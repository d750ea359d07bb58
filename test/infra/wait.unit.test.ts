/** waitFor (test/helpers/wait.ts): the one poll-until. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/wait.js';

test('resolves with the first value that is not undefined, null or false (0 and "" count)', async () => {
  let n = 0;
  assert.equal(await waitFor('n to reach 3', () => (++n >= 3 ? n : undefined)), 3);
  assert.equal(await waitFor('zero', () => 0), 0);
  assert.equal(await waitFor('empty', () => ''), '');
  assert.equal(await waitFor('async true', async () => true), true);
});

test('times out naming what never came; an error from fn fails the wait at once', async () => {
  await assert.rejects(waitFor('the impossible', () => false, 50), /timed out after 50 ms waiting for the impossible/);
  const t0 = Date.now();
  await assert.rejects(waitFor('a broken probe', () => { throw new Error('boom'); }, 5000), /boom/);
  assert.ok(Date.now() - t0 < 1000);
});
