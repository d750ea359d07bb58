/**
 * Everything the running gateway writes is its own user's only (issue 13): the built gateway
 * (`node dist/cli/main.js start`) runs a demo-like configuration (local bank-style flow, training
 * capture and event forwarding on, a TTS disk cache under the data directory) over a data directory
 * an older version left open (0755, a 0644 file). A real call (softphone, flite speech, DTMF) creates
 * the region store, outbox, keys, cache entries and training records; then every directory under the
 * data directory is 0700 and every file 0600, while running and after shutdown, and the loose paths
 * were tightened with one log line each. The process runs with umask 077.
 *
 * The same call checks the TTS cache at rest: entry names are the installation-keyed HMAC (the
 * greeting's name is found only with the key file's secret), and the prompt the flow marks with
 * vgwActExcludeFromTTSCache ("Thank you, card ending 1 1 1 1.") is not on disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startGateway, REPO } from '../helpers/gateway-process.js';
import { freeUdpRange } from '../helpers/ports.js';
import { startRecordingServer, postedEvents } from '../helpers/recording-server.js';
import { waitFor } from '../helpers/wait.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { ttsCacheKey } from '../../src/speech/tts-cache.js';

const FLOW = join(REPO, 'test/call/fixtures/test-flow.yaml');

/** Every path under `root` (root included) with its permission bits, not following links. */
function walk(root: string): { path: string; dir: boolean; mode: number }[] {
  const st = lstatSync(root);
  const here = { path: root, dir: st.isDirectory(), mode: st.mode & 0o777 };
  return st.isDirectory() ? [here, ...readdirSync(root).flatMap((n) => walk(join(root, n)))] : [here];
}

function loose(root: string): string[] {
  return walk(root).filter((e) => e.mode !== (e.dir ? 0o700 : 0o600)).map((e) => `${e.path} ${e.mode.toString(8)}`);
}

test('every file the gateway writes is 0600 and every directory 0700; loose old data is tightened at start', { timeout: 120_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'hushgate-atrest-'));
  const dataDir = join(base, 'data');
  // What an older version (umask 022) left behind.
  mkdirSync(join(dataDir, 'regions'), { recursive: true });
  chmodSync(dataDir, 0o755);
  chmodSync(join(dataDir, 'regions'), 0o755);
  writeFileSync(join(dataDir, 'regions', 'notes.txt'), 'left by an older version');
  chmodSync(join(dataDir, 'regions', 'notes.txt'), 0o644);

  const hook = await startRecordingServer();
  const events = () => postedEvents<{ type: string }>(hook).map((e) => e.type);
  const hookUrl = `${hook.url}/hook`;

  const gw = await startGateway({
    dataDir,
    regions: { eu: {} },
    events: { delivery: { lingerMs: 0, idlePollMs: 100 } },
    accounts: [{
      id: 'demo',
      applications: [{
        id: 'bank', region: 'eu', numbers: ['1000'], mode: 'agent',
        dialog: { provider: 'local', flow: FLOW },
        training: { enabled: true },
        forwarding: { enabled: true, sinks: [{ type: 'webhook', name: 'hook', url: hookUrl, secret: 's'.repeat(40), allowInsecure: true }] },
        speech: { ttsCache: { diskDir: join(dataDir, 'tts-cache') } },
      }],
    }],
  });
  const rtp = await freeUdpRange(20);
  const phone = await Softphone.create({ rtpPortMin: rtp, rtpPortMax: rtp + 19, endpointer: { silenceHangoverMs: 500 } });
  const flite = new FliteTts({ voice: 'slt' });
  try {
    // The second line of defence: the process's umask (files created without an explicit mode).
    assert.match(readFileSync(`/proc/${gw.proc.pid}/status`, 'utf8'), /^Umask:\s+0077$/m);
    // The loose paths were tightened, one log line each.
    const tightened = gw.logEntries().filter((e) => e.msg === 'data path was readable by group or others; now owner-only');
    assert.equal(tightened.length, 3, JSON.stringify(tightened));

    const call: PhoneCall = await phone.dial(`sip:1000@127.0.0.1:${gw.sipPort}`, [], '+442079460958');
    await call.nextUtterance(15_000); // "Hello. How can I help?"
    const chunks: Int16Array[] = [];
    for await (const c of flite.synthesize({ text: 'check my balance' })) chunks.push(c);
    const pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000);
    chunks.reduce((o, c) => (pcm.set(c, o), o + c.length), 0);
    await call.play({ kind: 'pcm', samples: pcm });
    await call.nextUtterance(15_000); // "Your balance is ten dollars."
    await call.sendDigits('3');
    await call.nextUtterance(15_000); // "Enter your card number, then press hash."
    await call.sendDigits('4111111111111111#', 80, 80);
    await call.nextUtterance(15_000); // "Thank you, card ending 1 1 1 1." (vgwActExcludeFromTTSCache)
    await call.hangup();

    await waitFor('the call report at the webhook', () => (events().length > 0 && events().includes('cdr') ? true : undefined), 20_000);
    const store = join(dataDir, 'regions', 'eu.sqlite');
    await waitFor('a training record', () => {
      const db = new Database(store, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM training_records').get() as { n: number }).n > 0 ? true : undefined;
      } finally {
        db.close();
      }
    }, 20_000);

    // The files this run created are all there (so the walk below means something)...
    const names = walk(dataDir).map((e) => e.path.slice(dataDir.length + 1));
    for (const expected of ['regions/eu.sqlite', 'regions/eu.sqlite-wal', 'regions/eu.sqlite-shm', 'outbox-eu.sqlite', 'outbox-eu.sqlite-wal', 'keys/master.key', 'keys/tts-cache.key', 'keys/kek/eu/1.key']) {
      assert.ok(names.includes(expected), `${expected} missing; have ${names.join(', ')}`);
    }
    // ...and none is open to group or others.
    assert.deepEqual(loose(dataDir), []);

    // TTS cache at rest: keyed names only; the excluded prompt never stored.
    const secret = readFileSync(join(dataDir, 'keys', 'tts-cache.key'));
    const cached = readdirSync(join(dataDir, 'tts-cache'));
    assert.ok(cached.length >= 2 && cached.every((n) => /^k1-[0-9a-f]{64}$/.test(n)), cached.join(', '));
    const name = (text: string) => ttsCacheKey(secret, 'flite', 'slt', flite.cacheText({ text }), {}); // keyed on what flite synthesises
    assert.ok(cached.includes(name('Hello. How can I help?')), 'the greeting is cached under its keyed name');
    assert.ok(!cached.includes(name('Thank you, card ending 1 1 1 1.')), 'vgwActExcludeFromTTSCache was honoured');
  } finally {
    await flite.close();
    await phone.close();
    await gw.stop();
    await hook.close();
  }
  assert.deepEqual(loose(dataDir), [], 'after shutdown too');
  rmSync(base, { recursive: true, force: true });
});
