/**
 * The console's Fleet tab in a real browser (Debian's Chromium) against a real fleet: two gateway
 * processes sharing a throw-away PostgreSQL, a real call (SIPp) held by node b, the console opened
 * on node a, keyboard only. The tab lists both nodes with their state and calls in progress, and
 * the fleet's live call with the node that holds it; no console error, failed request or 4xx/5xx.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFleet, type RunningFleet } from '../helpers/fleet.js';
import { runSipp } from '../helpers/sipp.js';
import { waitFor } from '../helpers/wait.js';
import { launchChromium, pageText, tabTo } from '../helpers/browser.js';

const CALLER = '+15550100077';

let fleet: RunningFleet;

before(async () => {
  fleet = await startFleet({ nodes: 2, front: false, rtpPorts: 20, accounts: [{ id: 'acme', applications: [{ id: 'line', numbers: ['service'], mode: 'hold', holdSeconds: 60 }] }] });
});

after(async () => {
  await fleet?.stop();
});

test('the Fleet tab lists every node and the calls each holds', { timeout: 60_000 }, async () => {
  await waitFor('two live nodes', async () => ((await fleet.api(0, 'GET', '/v1/fleet')).body?.totals?.liveNodes === 2 ? true : undefined), 10_000);
  // one call held by node b for 10 s (SIPp hangs up after the pause)
  const held = runSipp({ scenario: 'fleet-call.xml', target: `127.0.0.1:${fleet.nodes[1]!.sipPort}`, service: 'service', calls: 1, rate: 1, timeoutSec: 30, extra: ['-d', '10000', '-key', 'caller', CALLER] });
  await waitFor('the call in the fleet view', async () => {
    const r = await fleet.api(0, 'GET', '/v1/fleet/calls');
    return Array.isArray(r.body) && r.body.length === 1 ? true : undefined;
  }, 10_000);

  const b = await launchChromium('console-fleet');
  const { page } = b;
  try {
    await page.goto(`http://127.0.0.1:${fleet.nodes[0]!.adminPort}/console`);
    await tabTo(page, '#key');
    await page.keyboard.type(await fleet.adminKey());
    await page.keyboard.press('Enter');
    await page.locator('svg.chart').first().waitFor();
    await tabTo(page, '[role="tab"][aria-selected="true"]', undefined, { back: true });
    await page.keyboard.press('End');
    const nodes = page.getByRole('region', { name: /^Fleet: 2 live nodes, 2 serving, 1 calls in progress$/ });
    await nodes.waitFor({ timeout: 10_000 });
    const rows = await nodes.locator('tbody tr').allTextContents();
    assert.equal(rows.length, 2);
    assert.ok(rows[0]!.startsWith('node-a') && rows[0]!.includes('serving'), rows[0]);
    assert.ok(rows[1]!.startsWith('node-b') && rows[1]!.includes('serving'), rows[1]);
    const calls = page.getByRole('region', { name: 'Live calls in the fleet' });
    assert.deepEqual((await calls.locator('tbody td').allTextContents()).slice(0, 3), ['node-b', 'acme', 'line']);
    assert.equal(await page.locator('#single-node').count(), 0);
    await b.screenshot('fleet');
    assert.doesNotMatch(await pageText(page), /5550100077|0100077/, "the caller's number is not in the page");
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
  const r = await held;
  assert.equal(r.successful, 1, r.errors);
});
