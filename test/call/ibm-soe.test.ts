/**
 * An IBM Voice Gateway user's Service Orchestration Engine, unchanged, through real calls with the
 * default privacy policy: the SOE below is written the way public SOE code is — the caller's number
 * taken with `vgwSIPFromURI.split("@")[0].split(":")[1]`, the dialled number with
 * `vgwSIPToURI.substring(4, 16)`, `context.metadata.user_id` copied into the answer, answers in
 * `output.text` and `output.generic`, wrapped in `<prosody>` or `<speak>`, and `vgwActionSequence`s
 * with `vgwActUnPauseSTT` + `vgwActPlayText`, `vgwActCollectDTMF`, `vgwActPlayUrl` and a
 * `vgwActTransfer` with `transferHeaders` and `uuiData`. Code like this throws on anything that is
 * not a URI, so an error turn means the contract broke. No tag is ever spoken: the flite prompt is as
 * long as its words, and a Watson TTS (a local server speaking Watson's protocol) receives the SSML
 * as SSML.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { WatsonServer } from '../speech/servers/watson-server.js';
import type { SipRequest } from '../../src/sip/message.js';

interface SoeRequest {
  input?: { text?: string };
  context: Record<string, unknown>;
}
type Context = Record<string, unknown> & { metadata?: { user_id?: string } };

const CALLER = '+447700900123';
const DIALLED = '+12345556789';

/** What public SOE code does with the context; throws (→ HTTP 500 → an error turn) when the contract is broken. */
function publicSoeParsing(ctx: Context): { caller: string; dialled: string; userId: string } {
  const caller = (ctx['vgwSIPFromURI'] as string).split('@')[0]!.split(':')[1]!;
  const dialled = (ctx['vgwSIPToURI'] as string).substring(4, 16);
  const userId = ctx.metadata!.user_id!;
  if (!caller || !dialled || typeof userId !== 'string') throw new Error('context not as IBM documents it');
  return { caller, dialled, userId };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => resolve(b));
  });
}

/** Milliseconds of audio flite makes for a plain text (the yardstick for "no tag was spoken"). */
async function fliteMs(tts: FliteTts, text: string, stretch = 1): Promise<number> {
  const audio = await tts.renderSentence(text, 'slt', undefined, stretch);
  return (audio.length / 8000) * 1000;
}

async function speak(tts: FliteTts, call: PhoneCall, text: string): Promise<void> {
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text })) chunks.push(c);
  const pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000);
  chunks.reduce((o, c) => (pcm.set(c, o), o + c.length), 0);
  await call.play({ kind: 'pcm', samples: pcm });
}

test('an IBM SOE serves every turn of a real call under the default privacy policy, and no tag is spoken', { timeout: 120_000 }, async (t) => {
  const seen: { turn: number; input: string; parsed: ReturnType<typeof publicSoeParsing>; context: Context }[] = [];
  const errors: string[] = [];
  let agentPort = 0;
  const server = createServer((req, res) => {
    void body(req).then((raw) => {
      try {
        const msg = JSON.parse(raw) as SoeRequest;
        const ctx = msg.context as Context;
        const parsed = publicSoeParsing(ctx);
        const turn = seen.length + 1;
        const input = msg.input?.text ?? '';
        seen.push({ turn, input, parsed, context: ctx });
        // the SOE echoes metadata.user_id, as IBM's samples do
        const context: Context = { ...ctx, metadata: { user_id: parsed.userId }, vgwPostResponseTimeoutCount: 60000 };
        let output: Record<string, unknown>;
        if (turn === 1) {
          output = {
            text: ['<prosody rate="-9%">Welcome to the bank.</prosody>'],
            vgwActionSequence: [{ command: 'vgwActUnPauseSTT' }, { command: 'vgwActPlayText' }],
          };
        } else if (turn === 2) {
          output = {
            generic: [{ response_type: 'text', text: '<speak>Please key your <say-as interpret-as="characters">PIN</say-as><break time="200ms"/> then the hash key.</speak>' }],
            vgwAction: { command: 'vgwActCollectDTMF', parameters: { dtmfTermKey: '#', dtmfMaxCount: 8 } },
          };
        } else if (turn === 3) {
          context['vgwPostResponseTimeoutCount'] = 1500; // the next turn comes from the silence after this one
          output = {
            text: ['<speak>One moment.</speak>'],
            vgwActionSequence: [{ command: 'vgwActPlayText' }, { command: 'vgwActPlayUrl', parameters: { url: 'https://127.0.0.1:9/hold-music.wav' } }],
          };
        } else {
          output = {
            text: ['Transferring you.'],
            vgwActionSequence: [
              { command: 'vgwActPlayText' },
              { command: 'vgwActTransfer', parameters: { transferTarget: `sip:agent@127.0.0.1:${agentPort}`, transferHeaders: [{ name: 'X-Account-Ref', value: 'ACC-778' }], uuiData: '636173653d3432' } },
            ],
          };
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ output, context }));
      } catch (e) {
        errors.push((e as Error).message);
        res.statusCode = 500;
        res.end('{"error":"SOE failed"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const soePort = (server.address() as { port: number }).port;
  const soeDialog = { provider: 'webhook', url: `http://127.0.0.1:${soePort}`, workspaceId: 'ws1', auth: { type: 'none' }, allowInsecure: true };
  const gw = await startInProcessGateway({
    accounts: [
      {
        id: 'bank',
        applications: [
          { id: 'ivr', numbers: [DIALLED], mode: 'agent', customSipInviteHeaders: ['X-Queue'], dialog: soeDialog },
          { id: 'human', numbers: ['agent'], mode: 'hold' },
        ],
      },
    ],
  });
  agentPort = gw.sipPort;
  const base = await freeUdpRange(20);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 19, endpointer: { silenceHangoverMs: 600 } });
  const tts = new FliteTts({ voice: 'slt' });
  try {
    const call = await phone.dial(`sip:${DIALLED}@127.0.0.1:${gw.sipPort}`, [['X-Queue', 'gold-support']], CALLER);
    const welcome = await call.nextUtterance();
    // Spoken tags would more than double it ("prosody rate minus nine percent …"); the words at 91 % speed fit.
    const welcomeMs = welcome.endMs - welcome.startMs;
    const wordsMs = await fliteMs(tts, 'Welcome to the bank.', 1 / 0.91);
    t.diagnostic(`welcome prompt ${welcomeMs} ms; its words at 91 % speed ${Math.round(wordsMs)} ms`);
    assert.ok(welcomeMs < wordsMs * 1.35, `the welcome prompt lasted ${welcomeMs} ms; its words take ${Math.round(wordsMs)} ms`);
    await speak(tts, call, 'check my balance');
    const pinPrompt = await call.nextUtterance();
    const pinWordsMs = (await fliteMs(tts, 'Please key your')) + (await fliteMs(tts, 'P I N')) + 200 + (await fliteMs(tts, 'then the hash key.'));
    assert.ok(pinPrompt.endMs - pinPrompt.startMs < pinWordsMs * 1.35, `the PIN prompt lasted ${pinPrompt.endMs - pinPrompt.startMs} ms; its words take ${Math.round(pinWordsMs)} ms`);

    const refer = new Promise<SipRequest>((r) => call.on('request', (q) => q.method === 'REFER' && r(q)));
    const transferred = new Promise<PhoneCall>((r) => call.once('transferred', r));
    await call.sendDigits('4921#');
    await call.nextUtterance(); // "One moment." (the prompt URL cannot be fetched: nothing listens there)
    const human = await transferred;
    const referReq = await refer;
    assert.equal(referReq.headers.get('X-Account-Ref'), 'ACC-778', 'transferHeaders ride on the REFER');
    assert.match(referReq.headers.get('User-to-User') ?? '', /^636173653d3432;encoding=hex$/);
    await gw.waitForEvent((e) => e.type === 'transfer.completed');
    await human.hangup();
    await gw.waitForEvent((e) => e.type === 'call.ended' && e.callId === call.session.callId);

    assert.deepEqual(errors, [], 'the SOE never failed to read the context');
    const failed = gw.events.filter((e) => e.type === 'turn.completed' && e['error'] !== undefined);
    assert.deepEqual(failed, [], 'no error turn');
    assert.ok(seen.length >= 4, `${seen.length} turns`);
    for (const s of seen) {
      assert.match(s.context['vgwSIPFromURI'] as string, /^sip:\+44770090XXXX@/, 'the caller URI stays a URI; only its last digits are hidden');
      assert.equal(s.parsed.caller, '+44770090XXXX');
      assert.equal(s.parsed.dialled, DIALLED, 'the dialled line is the operator’s own number: it passes');
      assert.match(s.context['vgwSIPRequestURI'] as string, new RegExp(`^sip:\\${DIALLED}@`));
      assert.equal(s.context['vgwIsCaller'], true);
      assert.equal(s.context['vgwTenantID'], DIALLED);
      // header values pass the dialog's context rule like any context string (tokens for PII)
      assert.deepEqual(s.context['vgwSIPCustomInviteHeaders'], { 'X-Queue': 'gold-support' });
      assert.equal(s.parsed.userId, seen[0]!.parsed.userId, 'metadata.user_id is stable for the caller');
      assert.ok(!JSON.stringify(s.context).includes('7700900123'), 'the caller’s number never reaches the SOE');
    }
    assert.match(seen[0]!.parsed.userId, /^[0-9a-f]{64}$/, 'the keyed pseudonym, not the number');
    assert.equal(seen[1]!.input, 'check my balance');
    const alternatives = seen[1]!.context['vgwTextAlternatives'] as { text: string }[];
    assert.equal(alternatives[0]!.text, 'check my balance');
    assert.notEqual(seen[2]!.input, '4921', 'a PIN after a PIN prompt is never sent raw');
    assert.equal(seen[3]!.input, 'vgwPostResponseTimeout');

    // The same user_id on a second call from the same number.
    const again = await phone.dial(`sip:${DIALLED}@127.0.0.1:${gw.sipPort}`, [], CALLER);
    await again.nextUtterance();
    await again.hangup();
    assert.equal(seen[seen.length - 1]!.parsed.userId, seen[0]!.parsed.userId);
  } finally {
    if (errors.length || seen.length < 4) process.stderr.write(`# SOE saw ${JSON.stringify(seen.map((s) => s.input))}; errors ${JSON.stringify(errors)}; warnings ${gw.logs.filter((l) => /"level":(40|50)/.test(l)).slice(-8).join('\n')}\n`);
    server.closeAllConnections();
    server.close();
    const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 5000).unref())]);
    await bounded(tts.close());
    await bounded(gw.stop()); // before the phone, so the gateway's BYEs are answered, not retried for 32 s
    await bounded(phone.close());
  }
});

test('a Watson TTS receives an SOE’s SSML as SSML, one <speak> document per prompt', { timeout: 60_000 }, async () => {
  const watson = new WatsonServer({ apiKey: 'tts-key', transcriptSegments: ['x'], ttsSamplesPerChar: 40 });
  const watsonUrl = await watson.listen();
  const server = createServer((req, res) => {
    void body(req).then((raw) => {
      const ctx = (JSON.parse(raw) as SoeRequest).context as Context;
      publicSoeParsing(ctx);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          output: { text: ['<prosody rate="-9%">Welcome &amp; hello.</prosody>', 'Plain text with a < sign.'] },
          context: { ...ctx, metadata: { user_id: ctx.metadata!.user_id }, vgwPostResponseTimeoutCount: 60000 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const soePort = (server.address() as { port: number }).port;
  const gw = await startInProcessGateway({
    accounts: [
      {
        id: 'bank',
        applications: [
          {
            id: 'ivr',
            numbers: [DIALLED],
            mode: 'agent',
            dialog: { provider: 'webhook', url: `http://127.0.0.1:${soePort}`, workspaceId: 'ws1', auth: { type: 'none' }, allowInsecure: true },
            speech: { tts: { engine: 'watson', url: watsonUrl, auth: { kind: 'iam', apiKey: 'tts-key', iamUrl: watsonUrl }, allowInsecure: true } },
          },
        ],
      },
    ],
  });
  const base = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9 });
  try {
    const call = await phone.dial(`sip:${DIALLED}@127.0.0.1:${gw.sipPort}`, [], CALLER);
    const synthesis = await waitFor('a synthesis', () => watson.syntheses[0]);
    assert.equal(synthesis.body['text'], '<speak><prosody rate="-9%">Welcome &amp; hello.</prosody> Plain text with a &lt; sign.</speak>');
    await call.hangup();
  } finally {
    server.closeAllConnections();
    server.close();
    const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 5000).unref())]);
    await bounded(gw.stop());
    await bounded(phone.close());
    await bounded(watson.close());
  }
});
