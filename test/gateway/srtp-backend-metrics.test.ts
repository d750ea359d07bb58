/**
 * A running gateway: the start-up line names the SRTP library in use (media.srtpBackend) and its HMAC, and
 * /metrics carries the pause monitor's event-loop delay and GC figures for the scrape window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway } from '../helpers/gateway-process.js';
import { srtpBackendStatus } from '../../src/media/srtp/index.js';

test('start-up names the SRTP library; /metrics has event-loop delay and GC pause windows', async () => {
  const expected = srtpBackendStatus();
  const gw = await startGateway();
  try {
    const started = gw.logEntries().find((e) => e.msg === 'hushgate started')!;
    assert.deepEqual(started.srtp, { backend: expected.backend, libsrtp: expected.libsrtpVersion, hmac: expected.libsrtpHmac });
    const text = await gw.metrics();
    for (const q of ['0.5', '0.99', '1']) assert.match(text, new RegExp(`^hushgate_event_loop_delay_ms\\{quantile="${q}"\\} [0-9.]+$`, 'm'));
    for (const s of ['p99', 'max', 'count', 'total']) assert.match(text, new RegExp(`^hushgate_gc_pause_ms\\{stat="${s}"\\} [0-9.]+$`, 'm'));
  } finally {
    await gw.stop();
  }
});

test('media.srtpBackend: openssl is honoured and logged', async () => {
  const gw = await startGateway({ media: { srtpBackend: 'openssl' } });
  try {
    const started = gw.logEntries().find((e) => e.msg === 'hushgate started')!;
    assert.deepEqual(started.srtp, { backend: 'openssl', libsrtp: null, hmac: null });
  } finally {
    await gw.stop();
  }
});
