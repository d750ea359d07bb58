/** The console's fleet views render the API's answers as plain text cells (no markup, no numbers added). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetCallsTable, fleetTable } from '../../src/admin/console/render.js';

test('fleet table: one row per node with its state and figures; the title carries the totals', () => {
  const t = fleetTable({
    nodes: [
      { nodeId: 'node-a', sip: '127.0.0.1:5071', state: 'serving', live: true, callsActive: 3, callsTotal: 40, callsRefused: 0, outboxDepth: 2, heartbeatAgeMs: 120 },
      { nodeId: '<b>node-b</b>', sip: '127.0.0.1:5072', state: 'draining', live: false, callsActive: 0, callsTotal: 9, callsRefused: 4, outboxDepth: 0, heartbeatAgeMs: 9000 },
    ],
    totals: { liveNodes: 1, serving: 1, callsActive: 3 },
  });
  assert.equal(t.title, 'Fleet: 1 live nodes, 1 serving, 3 calls in progress');
  assert.deepEqual(t.rows[0], ['node-a', '127.0.0.1:5071', 'serving', 'yes', '3', '40', '0', '2', '120']);
  assert.equal(t.rows[1]![0], '<b>node-b</b>', 'values stay text (drawn with textContent)');
  assert.equal(t.rows[1]![3], 'no');
});

test('fleet calls table: node, account, application, seconds; empty fleet says so', () => {
  const t = fleetCallsTable([{ nodeId: 'node-c', callId: 'x', accountId: 'acme', applicationId: 'line', startedAt: '2026-12-06T00:00:00Z', durationSeconds: 12 }]);
  assert.deepEqual(t.rows, [['node-c', 'acme', 'line', '12']]);
  assert.equal(fleetCallsTable([]).empty, 'No calls in progress on any node.');
});
