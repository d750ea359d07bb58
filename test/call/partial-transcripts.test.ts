/**
 * Partial transcripts over a real call (issue 17 part 2): real SIP/RTP, flite speech, the embedded
 * PocketSphinx pool, a webhook dialog on loopback HTTP with `partialResultUrl`. The caller dictates
 * a card number with a pause in the middle. The webhook receives a partial at the pause, gated:
 * every number word or digit masked, never a vault token; then the turn itself, with the card as a
 * token. A second application without `partialResultUrl` receives no partials at all.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcessGateway, type InProcessGateway } from '../helpers/in-process-gateway.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { freeUdpRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';

const NUMBER_WORDS = /\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|double|triple|hundred|thousand)\b|\d/i;

let gw: InProcessGateway;
let soe: RecordingServer;
let phone: Softphone;
const tts = new FliteTts({ voice: 'slt' });

/** flite's speech with its leading and trailing silence cut, parts `gapMs` apart, then 1.2 s of silence. */
async function speech(parts: string[], gapMs: number): Promise<Int16Array> {
  const pieces: Int16Array[] = [];
  for (const text of parts) {
    const chunks: Int16Array[] = [];
    for await (const c of tts.synthesize({ text })) chunks.push(c);
    const all = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((o, c) => (all.set(c, o), o + c.length), 0);
    let a = 0;
    let b = all.length;
    while (a < b && Math.abs(all[a]!) < 200) a++;
    while (b > a && Math.abs(all[b - 1]!) < 200) b--;
    pieces.push(all.slice(a, b));
  }
  const gap = (gapMs * 8) | 0;
  const out = new Int16Array(pieces.reduce((n, p) => n + p.length + gap, 0) + 9600);
  pieces.reduce((o, p) => (out.set(p, o), o + p.length + gap), 0);
  return out;
}

const turns = () => soe.requests.filter((r) => r.url.startsWith('/soe'));
const partials = () => soe.requests.filter((r) => r.url === '/partials');

before(async () => {
  soe = await startRecordingServer((req) => {
    if (req.url === '/partials') return { status: 204 };
    const msg = JSON.parse(req.text) as { input: { text: string }; context: Record<string, unknown> };
    return { json: { output: { text: [msg.input.text ? 'Thank you.' : 'Welcome. How can I help?'] }, context: msg.context } };
  });
  const dialog = (partialResultUrl?: string) => ({ provider: 'webhook', url: `${soe.url}/soe`, workspaceId: 'ws', auth: { type: 'none' }, allowInsecure: true, ...(partialResultUrl ? { partialResultUrl } : {}) });
  gw = await startInProcessGateway({
    log: { level: 'warn' },
    accounts: [
      {
        id: 'acme',
        applications: [
          { id: 'partials', numbers: ['partials'], mode: 'agent', dialog: dialog(`${soe.url}/partials`) },
          { id: 'plain', numbers: ['plain'], mode: 'agent', dialog: dialog() },
        ],
      },
    ],
  });
  const base = await freeUdpRange(20);
  phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 19, endpointer: { silenceHangoverMs: 500 } });
});

after(async () => {
  await phone?.close();
  await gw?.stop();
  await soe?.close();
  await tts.close();
});

test('a caller dictating a card number: the webhook gets masked partials at the pause, then the turn with a token', { timeout: 60_000 }, async (t) => {
  const call = await phone.dial(`sip:partials@127.0.0.1:${gw.sipPort}`);
  try {
    await call.nextUtterance();
    const before = turns().length;
    await call.play({ kind: 'pcm', samples: await speech(['my card number is four one one one', 'one one one one one one one one'], 600) });
    await waitFor('the turn', () => turns().length > before, 20_000);
    await call.nextUtterance();
    const got = partials().map((r) => JSON.parse(r.text) as { input: { text: string }; final: boolean; sequence: number; context: Record<string, unknown> });
    t.diagnostic(`partials: ${JSON.stringify(got.map((p) => p.input.text))}`);
    assert.ok(got.length >= 1, 'a partial at the pause');
    for (const p of got) {
      assert.equal(p.final, false);
      assert.doesNotMatch(p.input.text, NUMBER_WORDS, p.input.text);
      assert.doesNotMatch(p.input.text, /\[[A-Z_]+_\d+\]/, 'masked, not a token');
      assert.equal(typeof p.context['vgwSessionID'], 'string');
    }
    assert.deepEqual(got.map((p) => p.sequence), got.map((_, i) => i + 1));
    const turn = JSON.parse(turns().at(-1)!.text) as { input: { text: string } };
    assert.doesNotMatch(turn.input.text, /\d{4}|one one/, `the turn: ${turn.input.text}`);
    for (const r of soe.requests) assert.doesNotMatch(r.text, /4111|1111|one one one/, 'no request carried the digits');
  } finally {
    await call.hangup();
  }
});

test('an application without partialResultUrl sends none', { timeout: 60_000 }, async () => {
  const already = partials().length;
  const call = await phone.dial(`sip:plain@127.0.0.1:${gw.sipPort}`);
  try {
    await call.nextUtterance();
    const before = turns().length;
    await call.play({ kind: 'pcm', samples: await speech(['i would like to check', 'my balance please'], 600) });
    await waitFor('the turn', () => turns().length > before, 20_000);
    await call.nextUtterance();
    assert.equal(partials().length, already);
  } finally {
    await call.hangup();
  }
});
