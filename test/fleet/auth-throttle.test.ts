/**
 * Digest password guessing counted over the fleet: a guesser that spreads its attempts over two
 * nodes is blocked on both once the fleet-wide count reaches `maxFailures` (each node alone saw only
 * half). Failures travel as NOTIFYs between the nodes' in-memory throttles (src/fleet/counters.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { authorizationFor, parseChallenge } from '../../src/sip/auth/digest.js';
import { metricValue } from '../helpers/gateway-process.js';
import { RawSip, statusOf, header, PCMU_OFFER } from '../helpers/raw-sip.js';
import { startFleet, type RunningFleet } from '../helpers/fleet.js';
import { waitFor } from '../helpers/wait.js';

let fleet: RunningFleet;

before(async () => {
  fleet = await startFleet({
    nodes: 2,
    front: false,
    accounts: [{ id: 'a', applications: [{ id: 'h', numbers: ['service'], mode: 'hold' }] }],
    config: {
      sip: {
        auth: {
          realm: 'hushgate.test',
          users: [{ username: 'trunk', password: 'correct horse' }],
          // No back-off (so every guess is verified and counted), block at the 4th failure.
          throttle: { maxFailures: 4, backoffAfter: 100, blockSec: 30, maxBlockSec: 60 },
        },
      },
    },
  });
});

after(async () => {
  await fleet?.stop();
});

test('guesses spread over two nodes are counted together: the guesser is blocked on both', { timeout: 60_000 }, async () => {
  const attacker = await RawSip.open('127.0.0.1');
  const attempt = async (node: number, password: string | undefined, nonce?: ReturnType<typeof parseChallenge>) => {
    const port = fleet.nodes[node]!.sipPort;
    const target = `sip:service@127.0.0.1:${port}`;
    const headers = ['Content-Type: application/sdp', ...(password && nonce ? [`Authorization: ${authorizationFor(nonce, { username: 'trunk', password }, 'INVITE', target)}`] : [])];
    const r = attacker.request('INVITE', { port, headers, body: PCMU_OFFER() });
    attacker.send(r.text, port);
    return attacker.receive((m) => m.includes(r.callId) && statusOf(m) >= 200);
  };
  const blocks = async (node: number) => metricValue(await fleet.nodes[node]!.metrics(), 'hushgate_sip_auth_blocks_total\\{scope="pair"\\}') ?? 0;
  try {
    // Each node's own nonce (nonces are per node).
    const nonces = [0, 1].map(async (n) => parseChallenge(header(await attempt(n, undefined), 'WWW-Authenticate')!)!);
    const [na, nb] = await Promise.all(nonces);
    // Two wrong guesses on node A, then two on node B: 2 + 2 = 4 fleet-wide.
    assert.equal(statusOf(await attempt(0, 'guess-1', na)), 401);
    assert.equal(statusOf(await attempt(0, 'guess-2', na)), 401);
    // Node B must have heard of A's two before its own two make the fourth.
    await waitFor("node B counting node A's failures", async () => {
      const m = await fleet.nodes[1]!.metrics();
      return (metricValue(m, 'hushgate_sip_auth_state_entries\\{kind="throttle"\\}') ?? 0) > 0 ? true : undefined;
    }, 2_000);
    assert.equal(statusOf(await attempt(1, 'guess-3', nb)), 401);
    assert.equal(statusOf(await attempt(1, 'guess-4', nb)), 401);
    // The fourth failure fleet-wide blocks the pair on B: at once when B had heard of both of A's, else
    // when A's second notification lands (B's first check above can pass on A's first).
    await waitFor('node B blocking the pair at the fourth failure', async () => ((await blocks(1)) === 1 ? true : undefined), 2_000);
    // Node A hears of B's failures and blocks too (within a notification, waited for, not slept).
    await waitFor('node A blocking the pair', async () => ((await blocks(0)) === 1 ? true : undefined), 2_000);
    for (const [n, nonce] of [[0, na], [1, nb]] as const) {
      const r = await attempt(n, 'correct horse', nonce);
      assert.equal(statusOf(r), 403, `node ${n}: the right password is not verified during the block`);
      assert.match(r, /too many authentication failures/);
    }
    const log = fleet.nodes.flatMap((n) => n.logs).join('\n');
    assert.doesNotMatch(log, /guess-|correct horse/, 'no password in any log');
  } finally {
    attacker.close();
  }
});
