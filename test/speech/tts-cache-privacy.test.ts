/**
 * The TTS cache as the gateway wires it (AgentResourcePool: the privacy detector as the `exclude`
 * predicate, the installation secret for names): an utterance the detector flags is synthesised but
 * stored in neither the memory nor the disk tier, nor is an utterance flagged `noCache`
 * (vgwActExcludeFromTTSCache); an ordinary prompt is stored in both under a keyed name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AgentResourcePool } from '../../src/gateway/agent-resource-pool.js';
import { parseConfig } from '../../src/config/load.js';
import { CachedTts } from '../../src/speech/cached-tts.js';
import { detect } from '../../src/privacy/detect.js';
import { REPO } from '../helpers/gateway-process.js';

const FLOW = join(REPO, 'test/call/fixtures/test-flow.yaml');
const PII = 'your card 4111 1111 1111 1111';
const PROMPT = 'Thank you for calling';

async function speak(tts: CachedTts, text: string, noCache?: boolean): Promise<number> {
  let n = 0;
  for await (const c of tts.synthesize({ text, ...(noCache ? { noCache } : {}) })) n += c.length;
  return n;
}

test('the gateway-wired cache keeps PII-bearing and excluded utterances out of memory and disk', { timeout: 30_000 }, async () => {
  assert.ok(detect(PII).length > 0, 'precondition: the detector flags the card number');
  assert.equal(detect(PROMPT).length, 0);
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-tts-privacy-'));
  const diskDir = join(dir, 'tts');
  const app = parseConfig({
    accounts: [{
      id: 'acme',
      applications: [{
        id: 'desk', numbers: ['desk'], mode: 'agent', dialog: { provider: 'local', flow: FLOW },
        speech: { stt: { engine: 'openai', url: 'https://127.0.0.1:9/v1' }, ttsCache: { diskDir } },
      }],
    }],
  }).accounts[0]!.applications[0]!;
  const rt = new AgentResourcePool(pino({ level: 'silent' }), 'US', undefined, randomBytes(32));
  try {
    const { tts } = await rt.resources(app);
    assert.ok(tts instanceof CachedTts, 'the application speaks through the cache');
    const cache = tts.cache;

    assert.ok((await speak(tts, PII)) > 1000, 'the PII utterance is still spoken');
    assert.ok((await speak(tts, 'Goodbye for now', true)) > 1000);
    assert.deepEqual({ entries: cache.stats().entries, disk: cache.stats().diskEntries, refused: cache.stats().refused }, { entries: 0, disk: 0, refused: 2 });
    assert.deepEqual(readdirSync(diskDir), []);

    await speak(tts, PROMPT);
    assert.equal(cache.stats().entries, 1);
    const files = readdirSync(diskDir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^k1-[0-9a-f]{64}$/);

    // Asked again, the PII utterance is not a hit: it was never stored.
    const hits = cache.stats().hits;
    await speak(tts, PII);
    assert.equal(cache.stats().hits, hits);
    assert.equal(readdirSync(diskDir).length, 1);
    assert.equal(cache.stats().entries, 1);
  } finally {
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a disk tier without the installation secret refuses to start instead of using guessable names', async () => {
  const app = parseConfig({
    accounts: [{
      id: 'acme',
      applications: [{
        id: 'desk', numbers: ['desk'], mode: 'agent', dialog: { provider: 'local', flow: FLOW },
        speech: { stt: { engine: 'openai', url: 'https://127.0.0.1:9/v1' }, ttsCache: { diskDir: join(tmpdir(), 'hushgate-never') } },
      }],
    }],
  }).accounts[0]!.applications[0]!;
  const rt = new AgentResourcePool(pino({ level: 'silent' }), 'US');
  try {
    await assert.rejects(rt.resources(app), /key secret/);
  } finally {
    await rt.close();
  }
});
