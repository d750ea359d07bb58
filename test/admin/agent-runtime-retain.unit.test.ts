/**
 * AgentResourcePool follows application changes: resources are shared by applications with the same
 * settings (fresh objects from the tenancy store do not rebuild them), an application's old settings
 * stay alive while a live call uses them and are closed after, and a recogniser no application uses
 * any more is closed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { AgentResourcePool, settingsKey } from '../../src/gateway/agent-resource-pool.js';
import { parseConfig } from '../../src/config/load.js';
import type { ApplicationConfig } from '../../src/tenancy/schema.js';
import { REPO } from '../helpers/gateway-process.js';

const FLOW = join(REPO, 'test/call/fixtures/test-flow.yaml');

function application(over: Record<string, unknown> = {}): ApplicationConfig {
  const cfg = parseConfig({
    accounts: [{
      id: 'acme',
      applications: [{
        id: 'desk', numbers: ['desk'], mode: 'agent', dialog: { provider: 'local', flow: FLOW },
        // A remote recogniser: cheap to build, no connection until a turn uses it.
        speech: { stt: { engine: 'openai', url: 'https://127.0.0.1:9/v1', model: 'whisper-1' } },
        ...over,
      }],
    }],
  });
  return cfg.accounts[0]!.applications[0]!;
}

test('resources follow settings, survive while in use, and are closed after', async () => {
  const rt = new AgentResourcePool(pino({ level: 'silent' }), 'US');
  try {
    const v1 = application();
    await rt.retain([v1], []);
    assert.deepEqual(rt.held(), { applications: 1, recognisers: 1 });
    const r1 = await rt.resources(v1);
    assert.equal(await rt.resources(application()), r1, 'a fresh object with the same settings shares the resources');
    assert.equal(settingsKey(application()), settingsKey(v1));

    // The application changes (a new recogniser model) while a call of the old settings is live.
    const v2 = application({ speech: { stt: { engine: 'openai', url: 'https://127.0.0.1:9/v1', model: 'whisper-large' } } });
    assert.notEqual(settingsKey(v2), settingsKey(v1));
    await rt.retain([v2], [v1]);
    assert.deepEqual(rt.held(), { applications: 2, recognisers: 2 }, 'old settings kept for the live call, new ones warmed');
    assert.equal(await rt.resources(v1), r1, 'the live call still has its dialog and voice');

    // The live call ends.
    await rt.collect([]);
    assert.deepEqual(rt.held(), { applications: 1, recognisers: 1 }, 'old settings and their recogniser closed');
    assert.notEqual((await rt.resources(v2)).stt, r1.stt);

    // The application is deleted: nothing is held once no call uses it.
    await rt.retain([], []);
    assert.deepEqual(rt.held(), { applications: 0, recognisers: 0 });
  } finally {
    await rt.close();
  }
});

test('an application that cannot be prepared is reported, not fatal, when it changes at run time', async () => {
  const lines: string[] = [];
  const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
  const rt = new AgentResourcePool(log, 'US');
  try {
    const broken = application({ dialog: { provider: 'local', flow: join(REPO, 'test/call/fixtures/no-such-flow.yaml') } });
    await rt.retain([broken], []);
    assert.equal(rt.held().applications, 0);
    assert.ok(lines.some((l) => l.includes('cannot be prepared')), lines.join('\n'));
  } finally {
    await rt.close();
  }
});
