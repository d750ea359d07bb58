/**
 * A configuration change through the API applies to the next call while a live call continues:
 * a real Gateway in this process (SQLite control store in a temp dir), the softphone places a call
 * that stays up (mode hold), the application's numbers and settings change through the admin API,
 * a second call reaches the changed application, the first is still up, and both hang up cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Gateway } from '../../src/gateway/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { freePort, freeUdpRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

test('an API change reaches the next call; the live call keeps its settings and stays up', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-live-change-'));
  const sipPort = await freePort();
  const rtp = await freeUdpRange(20);
  const gw = new Gateway(
    parseConfig({
      dataDir: dir,
      sip: { host: '127.0.0.1', port: sipPort, transports: ['udp'] },
      admin: { host: '127.0.0.1', port: 0 },
      media: { host: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: rtp + 19 },
      accounts: [{ id: 'acme', applications: [] }],
    }),
    pino({ level: 'silent' }),
  );
  await gw.start();
  const phoneRtp = await freeUdpRange(20);
  const phone = await Softphone.create({ rtpPortMin: phoneRtp, rtpPortMax: phoneRtp + 19 });
  try {
    const { token } = await gw.apiKeys.create({ name: 'test', scopes: ['config:write', 'config:read', 'calls:read'] });
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${gw.adminPort}${path}`, {
        method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
    };
    const created = await api('POST', '/v1/accounts/acme/applications', { id: 'desk', numbers: ['+12025550100'], mode: 'hold', maxCallSeconds: 120 });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const first = await phone.dial(`sip:+12025550100@127.0.0.1:${sipPort}`);
    assert.equal(gw.calls.calls.size, 1);
    const [firstId] = [...gw.calls.calls.keys()];

    // Change numbers and settings: the old number moves away, a new one arrives, the time limit changes.
    const changed = await api('PUT', '/v1/applications/desk', { numbers: ['+12025550101'], mode: 'hold', maxCallSeconds: 90, answerDelayMs: 200 });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));

    const second = await phone.dial(`sip:+12025550101@127.0.0.1:${sipPort}`);
    await assert.rejects(phone.dial(`sip:+12025550100@127.0.0.1:${sipPort}`), (e: Error & { status?: number }) => e.status === 404);

    assert.equal(gw.calls.calls.size, 2);
    assert.equal(first.ended, false, 'the first call is still up');
    const live = gw.calls.calls.get(firstId!)!;
    const next = [...gw.calls.calls.values()].find((c) => c.info.callId !== firstId)!;
    assert.equal(next.route.application.id, 'desk');
    assert.equal(next.route.application.maxCallSeconds, 90, 'the next call has the new settings');
    assert.equal(live.route.application.maxCallSeconds, 120, 'the live call keeps the settings it started with');
    assert.deepEqual(live.route.application.numbers, ['+12025550100']);

    const calls = await api('GET', '/v1/calls');
    assert.deepEqual((calls.body as { applicationId: string; to: string }[]).map((c) => c.to).sort(), ['+1202555XXXX', '+1202555XXXX']);

    await first.hangup();
    await second.hangup();
    await waitFor('both calls gone at the gateway', () => gw.calls.calls.size === 0, 5000);
    assert.equal(gw.calls.calls.size, 0, 'both calls ended cleanly');
  } finally {
    await phone.close();
    await gw.stop(0);
    rmSync(dir, { recursive: true, force: true });
  }
});
