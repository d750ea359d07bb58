/**
 * Applications created and changed through the admin API get their training capture, event
 * forwarding and warm agent resources without a restart, and keep them across one:
 *  1. an `agent` application is created through the API with training on and a webhook sink to
 *     receiver A; a real call (our softphone, flite speech, SIP/RTP on loopback) is captured for
 *     training and its CDR reaches A;
 *  2. the gateway restarts with a configuration file that does not name the application: the next
 *     call is still captured and forwarded (the store, not the file, is the source);
 *  3. the application is changed through the API (training off, sink moved to receiver B): the next
 *     call is not captured and its events reach B and not A.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Gateway } from '../../src/gateway/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { freePort, freeUdpRange } from '../helpers/ports.js';
import { REPO } from '../helpers/gateway-process.js';
import { startRecordingServer, postedEvents, type RecordingServer } from '../helpers/recording-server.js';
import { waitFor } from '../helpers/wait.js';

const FLOW = join(REPO, 'test/call/fixtures/test-flow.yaml');
const SECRET = 'x'.repeat(40);

/** A webhook receiver: the events of each POST, by call id. */
async function receiver(): Promise<{ url: string; server: RecordingServer; types: (callId: string) => string[] }> {
  const server = await startRecordingServer();
  const types = (callId: string) => postedEvents<{ callId: string; type: string }>(server).filter((e) => e.callId === callId).map((e) => e.type);
  return { url: `${server.url}/hook`, server, types };
}

test('API-created applications are captured and forwarded live, after a restart, and follow changes', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-live-reporting-'));
  const sipPort = await freePort();
  const rtp = await freeUdpRange(20);
  const config = parseConfig({
    dataDir: dir,
    regions: { eu: {} },
    sip: { host: '127.0.0.1', port: sipPort, transports: ['udp'] },
    admin: { host: '127.0.0.1', port: 0 },
    media: { host: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: rtp + 19 },
    accounts: [{ id: 'acme', applications: [] }],
    events: { delivery: { lingerMs: 0, idlePollMs: 100 } },
  });
  const a = await receiver();
  const b = await receiver();
  const tts = new FliteTts({ voice: 'slt' });
  const phraseChunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text: 'check my balance' })) phraseChunks.push(c);
  const phrase = new Int16Array(phraseChunks.reduce((n, c) => n + c.length, 0) + 8000);
  phraseChunks.reduce((o, c) => (phrase.set(c, o), o + c.length), 0);
  const phoneRtp = await freeUdpRange(20);
  const phone = await Softphone.create({ rtpPortMin: phoneRtp, rtpPortMax: phoneRtp + 19, endpointer: { silenceHangoverMs: 500 } });
  let gw = new Gateway(config, pino({ level: 'silent' }));
  await gw.start();

  const { token } = await gw.apiKeys.create({ name: 'ops', scopes: ['config:write', 'config:read'] });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${gw.adminPort}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const app = (training: boolean, url: string) => ({
    id: 'agent', numbers: ['agent'], mode: 'agent', region: 'eu',
    dialog: { provider: 'local', flow: FLOW },
    training: { enabled: training },
    forwarding: { enabled: true, sinks: [{ type: 'webhook', name: 'hook', url, secret: SECRET, allowInsecure: true, timeoutMs: 2000 }] },
  });
  const captured = async (): Promise<number> => {
    const rows = await gw.reporting!.training.stores.get('eu').query<{ n: number }>("SELECT COUNT(*) AS n FROM training_records WHERE account_id = 'acme' AND application_id = 'agent'");
    return Number(rows[0]!.n);
  };
  /** One call: greeting, a spoken request, its answer, hang up. Returns the call id. */
  const talk = async (): Promise<string> => {
    const call: PhoneCall = await phone.dial(`sip:agent@127.0.0.1:${sipPort}`, [], '+442079460958');
    await call.nextUtterance(15_000);
    await call.play({ kind: 'pcm', samples: phrase });
    await call.nextUtterance(15_000);
    await call.hangup();
    return call.session.callId;
  };

  try {
    const created = await api('POST', '/v1/accounts/acme/applications', app(true, a.url));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await gw.settled();

    // 1. Live: captured for training and forwarded to A.
    const c1 = await talk();
    await waitFor('a training record of call 1', async () => ((await captured()) >= 1 ? true : undefined));
    await waitFor('the CDR of call 1 at A', () => (a.types(c1).includes('cdr') ? true : undefined));
    assert.ok(a.types(c1).includes('transcription'));

    // 2. Restart with a file that does not name the application.
    await gw.stop(0);
    gw = new Gateway(config, pino({ level: 'silent' }));
    await gw.start();
    const before2 = await captured();
    const c2 = await talk();
    await waitFor('a training record of call 2', async () => ((await captured()) > before2 ? true : undefined));
    await waitFor('the CDR of call 2 at A', () => (a.types(c2).includes('cdr') ? true : undefined));

    // 3. Change through the API: training off, the sink moves to B.
    const changed = await api('PUT', '/v1/applications/agent', app(false, b.url));
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    await gw.settled();
    const before3 = await captured();
    const c3 = await talk();
    await waitFor('the CDR of call 3 at B', () => (b.types(c3).includes('cdr') ? true : undefined));
    assert.ok(b.types(c3).includes('transcription'), 'call 3 was recognised and reported');
    assert.deepEqual(a.types(c3), [], 'nothing of call 3 went to the old sink');
    assert.equal(await captured(), before3, 'no training record once training is off');
  } finally {
    await phone.close();
    await gw.stop(0);
    await tts.close();
    await a.server.close();
    await b.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
