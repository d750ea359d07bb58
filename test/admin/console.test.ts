/**
 * The web console (`/console`): served with strict security headers and only same-origin assets;
 * its render module turns the real API's answers into tables; markup from data can never be drawn
 * as markup; a 403 says which scope is missing; and after a real call from a UK number, nothing the
 * console serves or renders holds that number unmasked. The Grafana dashboard uses exposed metrics only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Gateway } from '../../src/gateway/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { freePort, freeUdpRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { applicationsTable, auditTable, callsTable, errorText, metricsTable, outboxTable, retentionTable } from '../../src/admin/console/render.js';

const CALLER = '+442079460958';

test('the console: headers, same-origin assets, real data rendered, no markup injection, no PII', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-console-'));
  const sipPort = await freePort();
  const rtp = await freeUdpRange(20);
  const gw = new Gateway(
    parseConfig({
      dataDir: dir,
      regions: { eu: {} },
      sip: { host: '127.0.0.1', port: sipPort, transports: ['udp'] },
      admin: { host: '127.0.0.1', port: 0 },
      media: { host: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: rtp + 19 },
      accounts: [{ id: 'acme', applications: [{ id: 'desk', region: 'eu', numbers: ['+12025550100'], mode: 'hold', training: { enabled: true } }] }],
    }),
    pino({ level: 'silent' }),
  );
  await gw.start();
  const base = `http://127.0.0.1:${gw.adminPort}`;
  const phoneRtp = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: phoneRtp, rtpPortMax: phoneRtp + 9 });
  try {
    // Static files: types and headers; no key needed (they hold no data).
    const served: Record<string, string> = {};
    for (const [path, type] of [['/console', 'text/html'], ['/console/console.js', 'text/javascript'], ['/console/render.js', 'text/javascript'], ['/console/console.css', 'text/css'], ['/console/charts.js', 'text/javascript'], ['/console/dom.js', 'text/javascript'], ['/console/records.js', 'text/javascript'], ['/console/favicon.svg', 'image/svg+xml']] as const) {
      const r = await fetch(base + path);
      assert.equal(r.status, 200, path);
      assert.ok(r.headers.get('content-type')!.startsWith(type), path);
      const csp = r.headers.get('content-security-policy')!;
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      // recordings play from blob: URLs the page makes of audio it fetched with the key; nothing wider
      assert.deepEqual(csp.split(';').map((d) => d.trim()).filter((d) => d.startsWith('media-src')), ['media-src blob:']);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(r.headers.get('cache-control'), 'no-store');
      served[path] = await r.text();
    }
    // The page loads only same-origin assets and has no inline script.
    const html = served['/console']!;
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(refs.sort(), ['/console/console.css', '/console/console.js', '/console/favicon.svg']);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    // The scripts draw with DOM calls and textContent only.
    for (const f of ['/console/console.js', '/console/dom.js', '/console/charts.js', '/console/render.js', '/console/records.js']) assert.doesNotMatch(served[f]!, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, f);
    assert.match(served['/console/console.js']!, /sessionStorage/);
    assert.doesNotMatch(served['/console/console.js']!, /localStorage/, 'the key never outlives the tab');

    // A real call from a UK number, so the API has something personal to not show.
    const call = await phone.dial(`sip:+12025550100@127.0.0.1:${sipPort}`, [], CALLER);
    const { token } = await gw.apiKeys.create({ name: 'console', scopes: ['calls:read', 'config:read', 'events:read', 'audit:read'] });
    const get = async (path: string) => {
      const r = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
      return { status: r.status, body: (r.headers.get('content-type') ?? '').includes('json') ? ((await r.json()) as unknown) : await r.text() };
    };
    // The softphone's dial resolves on the 200; the row reads 'confirmed' once the gateway has the ACK.
    const calls = await waitFor('the call confirmed by its ACK', async () => {
      const r = await get('/v1/calls');
      return (r.body as { state?: string }[])[0]?.state === 'confirmed' && r;
    });
    const t1 = callsTable(calls.body as Record<string, unknown>[]);
    assert.equal(t1.rows.length, 1);
    assert.deepEqual(t1.rows[0]!.slice(0, 5), ['acme', 'desk', 'confirmed', '+44207946XXXX', '+1202555XXXX']);
    const apps = applicationsTable((await get('/v1/applications')).body as Record<string, unknown>[]);
    assert.deepEqual(apps.rows, [['acme', 'desk', 'hold', 'eu', 'config', '+12025550100']]);
    const retention = retentionTable((await get('/v1/retention')).body as { region: string; applications: Record<string, unknown>[] }[]);
    assert.deepEqual(retention.rows, [['eu', 'acme', 'desk', 'on', '30', '0']]);
    const outbox = outboxTable((await get('/v1/events/outbox')).body as Record<string, unknown>[]);
    assert.deepEqual(outbox.columns, ['region', 'pending events', 'oldest (s)']);
    const audit = auditTable((await get('/v1/audit?limit=1000')).body as Record<string, unknown>[]);
    assert.ok(audit.rows.some((r) => r[3] === 'listCalls'), 'the console\'s own reads are audited');
    const prom = (await get('/metrics')).body as string;
    const metrics = metricsTable(prom);
    // The Grafana dashboard (deploy/grafana/) uses only metrics this gateway exposes.
    const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/hushgate.json', import.meta.url), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const exposed = new Set([...prom.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    assert.ok(dashboard.panels.length >= 10);
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        for (const m of t.expr.matchAll(/hushgate_\w+/g)) assert.ok(exposed.has(m[0].replace(/_(bucket|sum|count)$/, '')), `${p.title}: ${m[0]} is not exposed`);
      }
    }
    assert.deepEqual(metrics.rows.slice(0, 2), [['calls in progress', '1'], ['calls since start', '1']]);

    // A key without the scope: the view says which scope is missing.
    const { token: weak } = await gw.apiKeys.create({ name: 'weak', scopes: ['config:read'] });
    const denied = await fetch(`${base}/v1/calls`, { headers: { authorization: `Bearer ${weak}` } });
    assert.equal(denied.status, 403);
    assert.match(errorText('Live calls', 403, (await denied.json()) as { message?: string }), /lacks the scope.*calls:read/);

    // Markup in data stays text (the script sets textContent; the table holds the literal string).
    const evil = callsTable([{ accountId: '<img src=x onerror=alert(1)>', applicationId: 'a', state: 's', from: 'f', to: 't', codec: null, durationSeconds: 1 }]);
    assert.equal(evil.rows[0]![0], '<img src=x onerror=alert(1)>');

    // I1 over the console: nothing served or rendered carries the caller's number.
    const everything = JSON.stringify([served, t1, apps, retention, outbox, audit, metrics]);
    assert.ok(!everything.includes('2079460958'), 'the caller number appears unmasked');
    await call.hangup();
  } finally {
    await phone.close();
    await gw.stop(0);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('render: metrics parsing tolerates labels and NaN; the pure module has no DOM or network use', () => {
  const prom = [
    '# HELP hushgate_calls_active Calls in progress',
    'hushgate_calls_active 3',
    'hushgate_tts_cache_hit_ratio NaN',
    'hushgate_turn_latency_seconds_bucket{le="0.5",application="a"} 8',
    'hushgate_turn_latency_seconds_bucket{le="1",application="a"} 10',
    'hushgate_turn_latency_seconds_bucket{le="+Inf",application="a"} 10',
  ].join('\n');
  const t = metricsTable(prom);
  assert.deepEqual(t.rows, [['calls in progress', '3'], ['calls since start', ''], ['TTS cache hit ratio', ''], ['turn latency p50', '≤ 500 ms'], ['turn latency p99', '≤ 1000 ms']]);
  for (const f of ['render.js', 'charts.js']) {
    const src = readFileSync(new URL(`../../src/admin/console/${f}`, import.meta.url), 'utf8');
    assert.doesNotMatch(src, /document\.|fetch\(|window\./, f);
  }
});
