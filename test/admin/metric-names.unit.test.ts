/**
 * Prometheus naming: counters end in `_total`, durations are in seconds. Metrics first published
 * under other names keep them and are also published under the conventional name, with the same
 * values (scaled to seconds where the old one was in milliseconds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gauge, Registry } from 'prom-client';
import { CONVENTIONAL_NAMES, GatewayMetrics, registerConventionalNames } from '../../src/admin/metrics.js';

test('old names stay; conventional names carry the same values (ms → s)', async () => {
  const registry = new Registry();
  new Gauge({ name: 'hushgate_calls_shed', help: 'shed', labelNames: ['reason'], registers: [registry], collect() { this.set({ reason: 'lag' }, 3); } });
  new Gauge({ name: 'hushgate_event_loop_lag_ms', help: 'lag', registers: [registry], collect() { this.set(250); } });
  registerConventionalNames(registry);
  const text = await registry.metrics();
  assert.match(text, /^hushgate_calls_shed\{reason="lag"\} 3$/m);
  assert.match(text, /^# TYPE hushgate_calls_shed_total counter$/m);
  assert.match(text, /^hushgate_calls_shed_total\{reason="lag"\} 3$/m);
  assert.match(text, /^hushgate_event_loop_lag_ms 250$/m);
  assert.match(text, /^hushgate_event_loop_lag_seconds 0.25$/m);
  assert.doesNotMatch(text, /hushgate_sip_forbidden_total/, 'an alias only where its old metric exists');
});

test('every conventional name follows the conventions, and so do the GatewayMetrics', async () => {
  for (const m of CONVENTIONAL_NAMES) assert.ok(m.kind === 'counter' ? m.name.endsWith('_total') : m.name.endsWith('_seconds'), m.name);
  const registry = new Registry();
  const gm = new GatewayMetrics(registry);
  gm.countRedaction('EMAIL', 'logs');
  for (const m of (await registry.getMetricsAsJSON()) as unknown as { name: string; type: string }[]) {
    if (m.type === 'counter') assert.ok(m.name.endsWith('_total'), m.name);
    assert.doesNotMatch(m.name, /_ms$|_millis/, m.name);
  }
  assert.match(await registry.metrics(), /hushgate_redactions_total\{type="EMAIL",destination="logs"\} 1/);
});
