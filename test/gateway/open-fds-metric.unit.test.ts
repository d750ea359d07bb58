/**
 * registerAsyncOpenFds (src/gateway/open-fds-metric.ts): `process_open_fds` stays in /metrics with
 * the default collector's name, help and count, read without readdirSync on the event loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerAsyncOpenFds } from '../../src/gateway/open-fds-metric.js';

test('process_open_fds is replaced by the asynchronous reading, same name and help, same count', { skip: process.platform !== 'linux' }, async () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const help = registry.getSingleMetric('process_open_fds') as unknown as { help: string };
  const before = help.help;
  registerAsyncOpenFds(registry);
  const text = await registry.metrics();
  assert.match(text, new RegExp(`# HELP process_open_fds ${before.replace('.', '\\.')}`));
  const value = Number(/^process_open_fds (\d+)$/m.exec(text)?.[1]);
  const expected = readdirSync('/proc/self/fd').length - 1;
  assert.ok(Math.abs(value - expected) <= 2, `${value} vs ${expected}`);
  assert.equal(text.match(/^# TYPE process_open_fds /gm)?.length, 1, 'registered once');
});
