/**
 * `hushgate erase --local` on a stopped gateway's configuration reaches the event outboxes (issue 13).
 *
 * The gateway's reporting (`CallReporting`, as `hushgate start` wires it) records calls of two callers
 * while their webhook is down, then stops. `erase --local -c FILE` erases one caller: their pending
 * events leave the outbox file (its bytes searched), and the gateway started again delivers only the
 * other caller's events. An outbox file that cannot be opened makes the command exit 1 naming it —
 * never a success for a part it did not do.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { runErase } from '../../src/cli/commands/erase.js';
import { CallReporting } from '../../src/gateway/call-reporting.js';
import type { CallEvent } from '../../src/call/call-events.js';
import { pseudonymOf } from '../../src/training/caller-identity.js';
import { FileKeyStore } from '../../src/training/keystore.js';
import { sqliteFileBytes, startWebhookReceiver, waitFor, type WebhookReceiver } from '../events/helpers.js';

const SECRET = 'whsec-local-erasure-0123456789abcdef0123';
const CANARY = 'CANARY heron-5521 please';
const TARGET = '+442079460958';
const OTHER = '+442079461111';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

/** One call as the call layer reports it: started, two utterances, ended. */
function callEvents(callId: string, from: string): CallEvent[] {
  const base = { callId, accountId: 'acme', applicationId: 'support', region: 'eu' };
  const t = Date.now();
  return [
    { ...base, type: 'call.started', time: t, from: `<sip:${from}@trunk.example>;tag=1`, to: '<sip:+442071234567@gw.example>', requestUri: 'sip:+442071234567@gw.example', transport: 'UDP' },
    { ...base, type: 'transcription', time: t + 1000, turn: 1, transcript: `${CANARY} ${callId} one`, confidence: 0.9, alternatives: [] },
    { ...base, type: 'transcription', time: t + 2000, turn: 2, transcript: `${CANARY} ${callId} two`, confidence: 0.9, alternatives: [] },
    { ...base, type: 'call.ended', time: t + 3000, startedAt: t, answeredAt: t, endedAt: t + 3000, endReason: 'remote-bye' },
  ] as CallEvent[];
}

describe('erase --local reaches the event outboxes', () => {
  let dir: string;
  let configFile: string;
  let hook: WebhookReceiver;
  const log = pino({ level: 'silent' });

  async function gateway() {
    const calls = new EventEmitter<{ event: [CallEvent] }>();
    const reporting = await CallReporting.open({ config: loadConfig(configFile), calls, log });
    await reporting.start();
    return { calls, reporting };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hushgate-erase-local-'));
    hook = await startWebhookReceiver(SECRET);
    configFile = join(dir, 'hushgate.yaml');
    writeFileSync(
      configFile,
      [
        `dataDir: ${JSON.stringify(dir)}`,
        'defaultCountry: GB',
        'regions:',
        '  eu: {}',
        '  us: {}',
        'events:',
        '  delivery: { lingerMs: 2, idlePollMs: 50, unavailable: { baseMs: 20, capMs: 100 } }',
        'accounts:',
        '  - id: acme',
        '    applications:',
        '      - id: support',
        '        region: eu',
        '        privacy: { events: { transcript: allow } }',
        '        forwarding:',
        '          enabled: true',
        `          sinks: [{ type: webhook, name: crm, url: ${JSON.stringify(hook.url)}, secret: ${JSON.stringify(SECRET)}, allowInsecure: true }]`,
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('erases a stopped gateway’s pending events of the caller; the restarted gateway delivers nothing of them', { timeout: 60_000 }, async () => {
    hook.down = true;
    const g = await gateway();
    try {
      for (const e of [...callEvents('call-target', TARGET), ...callEvents('call-other', OTHER)]) g.calls.emit('event', e);
      await waitFor('six events pending (2 transcriptions + cdr per call)', async () => (await g.reporting.forwarding.outbox('eu')!.store.stats('acme/support/crm')).pending === 6);
    } finally {
      await g.reporting.stop(); // the gateway is stopped
    }

    const ps = pseudonymOf(await new FileKeyStore(join(dir, 'keys')).pseudonymSecret('acme'), TARGET, 'GB');
    const outbox = join(dir, 'outbox-eu.sqlite');
    assert.equal(sqliteFileBytes(outbox).includes(Buffer.from(CANARY)), false, 'sealed at rest');
    assert.equal(sqliteFileBytes(outbox).includes(Buffer.from(ps)), true, 'pending rows name the caller for erasure');

    const a = io();
    assert.equal(await runErase({ account: 'acme', application: 'support', number: '020 7946 0958', config: configFile, local: true }, loadConfig, a.io), 0, a.err());
    const receipt = JSON.parse(a.out()) as { counts: Record<string, number>; failed: string[] };
    assert.equal(receipt.counts['events-outbox'], 3, 'the target call: 2 transcriptions + cdr');
    assert.deepEqual(receipt.failed, []);
    assert.equal(sqliteFileBytes(outbox).includes(Buffer.from(ps)), false, 'no trace of the pseudonym in the outbox files');

    hook.down = false;
    const again = await gateway();
    try {
      await waitFor('outbox drained', async () => (await again.reporting.forwarding.outbox('eu')!.store.stats('acme/support/crm')).pending === 0);
      const sent = hook.accepted.flatMap((b) => b.events);
      assert.equal(sent.length, 3);
      assert.ok(sent.every((e) => e['callId'] === 'call-other'), 'nothing of the erased caller is delivered');
    } finally {
      await again.reporting.stop();
    }
  });

  it('an outbox that cannot be opened: exit 1, named, the rest still erased', { timeout: 30_000 }, async () => {
    writeFileSync(join(dir, 'outbox-us.sqlite'), Buffer.alloc(8192, 0x5a)); // not a database
    const b = io();
    assert.equal(await runErase({ account: 'acme', application: 'support', number: OTHER, config: configFile, local: true }, loadConfig, b.io), 1);
    assert.match(b.err(), /INCOMPLETE.*events-outbox-us: outbox of region us could not be opened/);
    const receipt = JSON.parse(b.out()) as { counts: Record<string, number>; failed: string[] };
    assert.equal(receipt.failed.length, 1);
    assert.equal(receipt.counts['events-outbox'], 0, 'the eu outbox was still reached (nothing pending there)');
  });
});
