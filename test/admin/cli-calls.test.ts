/**
 * `hushgate calls recent | story | hangup` against a real gateway with a real call (the same admin
 * routes the console uses): the live call is listed with its number obfuscated, its story read, then
 * hung up from the CLI — the phone gets the BYE — and the list says it ended. A key without
 * `calls:write` cannot hang up (exit 1, 403 on stderr); an unknown call is a 404.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { runCalls } from '../../src/cli/commands/calls.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const w = (into: string[]) => new Writable({ write: (c: Buffer, _e, cb) => (into.push(c.toString()), cb()) });
  return { io: { stdout: w(out), stderr: w(err) }, out: () => out.join(''), err: () => err.join('') };
}

test('hushgate calls: recent, story and hangup through the admin API, over a real call', { timeout: 60_000 }, async () => {
  const gw = await startInProcessGateway({ accounts: [{ id: 'acme', applications: [{ id: 'desk', numbers: ['+12025550100'], mode: 'hold', holdSeconds: 60 }] }] });
  const url = `http://127.0.0.1:${gw.gw.adminPort}`;
  const { token } = await gw.gw.apiKeys.create({ name: 'ops', scopes: ['calls:read', 'calls:write'] });
  const { token: reader } = await gw.gw.apiKeys.create({ name: 'reader', scopes: ['calls:read'] });
  const rtp = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: rtp, rtpPortMax: rtp + 9 });
  try {
    const call = await phone.dial(`sip:+12025550100@127.0.0.1:${gw.sipPort}`, [], '+442079460958');
    const callId = call.session.callId;
    const list = io();
    assert.equal(await runCalls('recent', undefined, { url, key: token }, list.io), 0);
    const rows = list.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0]!.callId, rows[0]!.state, rows[0]!.from], [callId, 'live', '+44207946XXXX']);
    assert.ok(!list.out().includes('2079460958'));

    const story = io();
    assert.equal(await runCalls('story', callId, { url, key: token }, story.io), 0);
    const s = JSON.parse(story.out()) as { timeline: { kind: string }[]; media: { codec: string } | null };
    assert.equal(s.timeline[0]!.kind, 'started');
    assert.equal(s.media?.codec, 'PCMU', 'a live call\'s media quality is read from its RTP session');

    const refused = io();
    assert.equal(await runCalls('hangup', callId, { url, key: reader }, refused.io), 1);
    assert.match(refused.err(), /403 forbidden.*calls:write/);

    const done = io();
    assert.equal(await runCalls('hangup', callId, { url, key: token }, done.io), 0);
    await call.waitForEnd(10_000);
    await gw.waitForEvent((e) => e.type === 'call.ended' && e.callId === callId);
    const after = io();
    assert.equal(await runCalls('recent', undefined, { url, key: token }, after.io), 0);
    assert.equal((JSON.parse(after.out().trim()) as { state: string; endReason: string }).state, 'ended');

    const unknown = io();
    assert.equal(await runCalls('hangup', 'no-such-call', { url, key: token }, unknown.io), 1);
    assert.match(unknown.err(), /404 not_found/);
  } finally {
    await phone.close();
    await gw.stop();
  }
});
