/**
 * Changes made through one node reach the others through the shared PostgreSQL (LISTEN/NOTIFY):
 *  - an application added through node A answers calls routed to node B, within a second;
 *  - an erasure requested through node B removes the caller's pending events held by node C (each
 *    node keeps its own outbox file); the receipt names the nodes that confirmed;
 *  - an API key's rate limit holds for the fleet, whichever node a request reaches;
 *  - every node serves the fleet's view (nodes, state, figures).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFleet, type RunningFleet } from '../helpers/fleet.js';
import { runSipp } from '../helpers/sipp.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

let fleet: RunningFleet;
let deadSink: string;

before(async () => {
  // A webhook nobody listens on: the events stay pending in the outbox of the node that took the call.
  deadSink = `http://127.0.0.1:${await freePort()}/events`;
  fleet = await startFleet({
    nodes: 3,
    front: false,
    accounts: [{
      id: 'acme',
      applications: [
        { id: 'line', numbers: ['service'], mode: 'hold' },
        { id: 'crm', numbers: ['crm'], mode: 'hold', holdSeconds: 1,
          forwarding: { enabled: true, sinks: [{ type: 'webhook', name: 'crm-hook', url: deadSink, secret: 's'.repeat(40), allowInsecure: true }] } },
      ],
    }],
  });
});

after(async () => {
  await fleet?.stop();
});

function callNode(node: number, service: string, caller = '+15550100099') {
  return runSipp({ scenario: 'fleet-call.xml', target: `127.0.0.1:${fleet.nodes[node]!.sipPort}`, service, calls: 1, rate: 1, timeoutSec: 20, extra: ['-d', '200', '-key', 'caller', caller] });
}

test('every node serves the fleet view: three live nodes, serving', async () => {
  const r = await waitFor('three live nodes', async () => {
    const x = await fleet.api(2, 'GET', '/v1/fleet');
    return x.body?.totals?.liveNodes === 3 ? x : undefined;
  }, 5_000);
  assert.equal(r.status, 200);
  assert.equal(r.body.nodeId, 'node-c');
  assert.deepEqual(r.body.nodes.map((n: { nodeId: string; state: string }) => `${n.nodeId}:${n.state}`), ['node-a:serving', 'node-b:serving', 'node-c:serving']);
  // what the console's Fleet tab asks first: this node is in a fleet, so it asks for /v1/fleet
  assert.deepEqual((await fleet.api(1, 'GET', '/v1/node')).body, { nodeId: 'node-b', fleet: true, state: 'serving' });
});

test('an application added through node A answers calls routed to node B within a second', async () => {
  const before = await callNode(1, 'added');
  assert.equal(before.successful, 0, 'the number is not routed before the change');
  assert.match(before.messages, /SIP\/2\.0 404/);
  const t0 = Date.now();
  const created = await fleet.api(0, 'POST', '/v1/accounts/acme/applications', { id: 'added', numbers: ['added'], mode: 'hold', region: 'default' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const since = new Date(t0).toISOString();
  const seen = await fleet.nodes[1]!.waitForLog((e) => e.msg === 'applications changed; new calls use the new settings' && String(e.time) >= since, 5_000);
  const elapsed = Date.parse(String(seen.time)) - t0;
  console.log(JSON.stringify({ propagationMs: elapsed }));
  assert.ok(elapsed < 1000, `node B followed the change after ${elapsed} ms`);
  const after = await callNode(1, 'added');
  assert.equal(after.successful, 1, after.errors);
});

test("an erasure requested through node B removes the caller's pending events held by node C", { timeout: 60_000 }, async () => {
  const caller = '+15550100077';
  const r = await callNode(2, 'crm', caller);
  assert.equal(r.successful, 1, r.errors);
  const depth = async (node: number) => {
    const o = await fleet.api(node, 'GET', '/v1/events/outbox');
    assert.equal(o.status, 200, JSON.stringify(o.body));
    return (o.body as { depth: number }[]).reduce((n, x) => n + x.depth, 0);
  };
  const pending = await waitFor('events pending on node C', async () => ((await depth(2)) > 0 ? depth(2) : undefined), 15_000);
  assert.equal(await depth(1), 0, 'node B holds none of them');

  const erased = await fleet.api(1, 'POST', '/v1/erasures', { accountId: 'acme', applicationId: 'crm', phoneNumber: caller });
  assert.equal(erased.status, 201, JSON.stringify(erased.body));
  assert.equal(erased.body.nodeId, 'node-b');
  assert.deepEqual([...erased.body.nodes].sort(), ['node-a', 'node-c'], 'both other nodes confirmed');
  assert.ok(erased.body.counts.fleetNodes >= pending, `node C's events counted: ${JSON.stringify(erased.body.counts)}`);
  assert.equal(await depth(2), 0, "node C's outbox no longer holds the caller's events");
  assert.doesNotMatch(JSON.stringify(erased.body), /5550100077/, 'the receipt holds no number');
  const log = fleet.nodes[2]!.logs.join('\n');
  assert.match(log, /erasure from another node applied to this node/);
  assert.doesNotMatch(log, /5550100077/, 'no node logs the number');
});

test("an API key's rate limit holds across the fleet", async () => {
  const k = await fleet.api(0, 'POST', '/v1/keys', { name: 'slow', scopes: ['config:read'], ratePerMinute: 3 });
  assert.equal(k.status, 201, JSON.stringify(k.body));
  const token = k.body.token as string;
  const get = async (node: number) => (await fetch(`http://127.0.0.1:${fleet.nodes[node]!.adminPort}/v1/applications`, { headers: { authorization: `Bearer ${token}` } })).status;
  // Three tokens in the bucket: one request on each node, then a fourth anywhere is refused.
  assert.deepEqual([await get(0), await get(1), await get(2)], [200, 200, 200]);
  assert.equal(await get(0), 429);
  assert.equal(await get(1), 429);
});

test('an erasure a live node does not confirm fails closed, names the node, and completes on retry once it is back', { timeout: 60_000 }, async () => {
  const c = fleet.nodes[2]!;
  const body = { accountId: 'acme', applicationId: 'crm', phoneNumber: '+15550100078', requestId: 'fleet-retry-1' };
  // Node C stops answering (frozen, still counted live: its last heartbeat is recent).
  c.proc.kill('SIGSTOP');
  let first;
  try {
    first = await fleet.api(1, 'POST', '/v1/erasures', body);
  } finally {
    c.proc.kill('SIGCONT');
  }
  assert.equal(first.status, 500, JSON.stringify(first.body));
  assert.equal(first.body.error, 'erasure_incomplete');
  assert.ok(first.body.receipt.failed.some((f: string) => f.startsWith('node node-c: did not confirm')), JSON.stringify(first.body.receipt.failed));
  // Back, node C applies what it missed (the notification waited in its connection) and confirms.
  await c.waitForLog((e) => e.msg === 'fleet: erasure from another node applied to this node' && e.requestId !== undefined, 10_000);
  const retry = await fleet.api(1, 'POST', '/v1/erasures', body);
  assert.equal(retry.status, 201, JSON.stringify(retry.body));
  assert.deepEqual([...retry.body.nodes].sort(), ['node-a', 'node-c']);
});
