/**
 * vgwActSetSTTConfig / vgwActSetTTSConfig / vgwActSetConversationConfig over a real call: the
 * application uses Watson STT and TTS (a local server speaking Watson's protocols) and a webhook SOE
 * (a local HTTP server). The SOE's welcome turn asks for
 *   - another recognition model, smart formatting and a customization for the next turn only (replaceOnce),
 *   - another voice for the rest of the call (replace),
 *   - another workspace for the next dialog turn only (replaceOnce);
 * the second turn asks for another STT service (credentials) for the rest of the call.
 * We check what each server actually received, turn by turn.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { WatsonServer } from '../speech/servers/watson-server.js';

test('Set*Config actions change the recogniser, the voice and the dialog target as their updateMethod says', { timeout: 90_000 }, async () => {
  const watson = new WatsonServer({ apiKey: 'unused', basic: { username: 'apikey', password: 'pw-a' }, transcriptSegments: ['hello there'], ttsSamplesPerChar: 800 });
  const watsonB = new WatsonServer({ apiKey: 'unused', basic: { username: 'apikey', password: 'pw-b' }, transcriptSegments: ['second service'] });
  const urlA = await watson.listen();
  const urlB = await watsonB.listen();
  const paths: string[] = [];
  const inputs: string[] = [];
  const soe = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const msg = JSON.parse(body) as { input?: { text?: string }; context: Record<string, unknown> };
      paths.push(new URL(req.url ?? '/', 'http://x').pathname);
      inputs.push(msg.input?.text ?? '');
      const turn = paths.length;
      const output: Record<string, unknown> = { text: [`Turn ${turn}.`] };
      if (turn === 1) {
        output['vgwActionSequence'] = [
          { command: 'vgwActSetSTTConfig', parameters: { config: { model: 'en-US_NarrowbandModel', smart_formatting: true, customization_id: 'cust-1' }, updateMethod: 'replaceOnce' } },
          { command: 'vgwActSetTTSConfig', parameters: { config: { voice: 'en-US_MichaelV3Voice' }, updateMethod: 'replace' } },
          { command: 'vgwActSetConversationConfig', parameters: { config: { workspace_id: 'ws-two' }, updateMethod: 'replaceOnce' } },
        ];
      }
      if (turn === 2) {
        output['vgwAction'] = { command: 'vgwActSetSTTConfig', parameters: { credentials: { url: urlB, username: 'apikey', password: 'pw-b' }, updateMethod: 'merge' } };
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ output, context: { ...msg.context, vgwPostResponseTimeoutCount: 60000 } }));
    });
  });
  await new Promise<void>((r) => soe.listen(0, '127.0.0.1', () => r()));
  const soeUrl = `http://127.0.0.1:${(soe.address() as { port: number }).port}`;
  const auth = { kind: 'basic', username: 'apikey', password: 'pw-a' };
  const gw = await startInProcessGateway({
    accounts: [{
      id: 'a',
      applications: [{
        id: 'w', numbers: ['w'], mode: 'agent',
        dialog: { provider: 'webhook', url: soeUrl, workspaceId: 'ws-one', auth: { type: 'none' }, allowInsecure: true },
        privacy: { dialog: { transcript: 'allow' } },
        speech: {
          stt: { engine: 'watson', url: urlA, auth, model: 'en-US_Telephony', allowInsecure: true },
          tts: { engine: 'watson', url: urlA, auth, voice: 'en-US_AllisonV3Voice', allowInsecure: true },
          ttsCache: { enabled: false },
        },
      }],
    }],
  });
  const base = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9, endpointer: { silenceHangoverMs: 400 } });
  const flite = new FliteTts({ voice: 'slt' });
  const chunks: Int16Array[] = [];
  for await (const c of flite.synthesize({ text: 'hello there' })) chunks.push(c);
  const speech = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000);
  chunks.reduce((o, c) => (speech.set(c, o), o + c.length), 0);
  const turnDone = (call: PhoneCall, n: number) => gw.waitForEvent((e) => e.type === 'turn.completed' && e.callId === call.session.callId && e.turn === n, 20_000);
  try {
    const call = await phone.dial(`sip:w@127.0.0.1:${gw.sipPort}`);
    await turnDone(call, 1);
    await call.nextUtterance(15_000);
    assert.match(watson.syntheses[0]!.url, /voice=en-US_AllisonV3Voice/, 'the welcome was synthesised before the change');

    // Turn 2: recognised with the once-settings, answered by the other workspace, spoken with the new voice.
    await call.play({ kind: 'pcm', samples: speech });
    await turnDone(call, 2);
    assert.equal(watson.sessions.length, 1);
    const s1 = watson.sessions[0]!;
    assert.match(s1.url, /model=en-US_NarrowbandModel/);
    assert.match(s1.url, /customization_id=cust-1/);
    assert.equal(s1.start?.['smart_formatting'], true);
    assert.equal(s1.start?.['content-type'], 'audio/mulaw;rate=8000', 'the gateway keeps the audio format');
    assert.equal(paths[1], '/v1/workspaces/ws-two/message');
    assert.equal(inputs[1], 'hello there');
    await call.nextUtterance(15_000);
    assert.match(watson.syntheses.at(-1)!.url, /voice=en-US_MichaelV3Voice/);

    // Turn 3: the once-settings are gone, the workspace is back; turn 2 switched the STT service (merge).
    await call.play({ kind: 'pcm', samples: speech });
    await turnDone(call, 3);
    assert.equal(watson.sessions.length, 1, 'the next recognition went to the other service');
    assert.equal(watsonB.sessions.length, 1);
    assert.match(watsonB.sessions[0]!.url, /model=en-US_Telephony/, 'the replaceOnce model did not outlive its turn');
    assert.doesNotMatch(watsonB.sessions[0]!.url, /customization_id/);
    assert.notEqual(watsonB.sessions[0]!.start?.['smart_formatting'], true);
    assert.equal(paths[2], '/v1/workspaces/ws-one/message');
    assert.equal(inputs[2], 'second service');
    await call.nextUtterance(15_000);
    assert.match(watson.syntheses.at(-1)!.url, /voice=en-US_MichaelV3Voice/, 'replace lasts');
    await call.hangup();
    assert.ok(!gw.logs.some((l) => l.includes('pw-b')), 'credentials never reach the log');
  } finally {
    soe.closeAllConnections();
    soe.close();
    const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 5000).unref())]);
    await bounded(flite.close());
    await bounded(phone.close());
    await bounded(gw.stop());
    await watson.close();
    await watsonB.close();
  }
});
