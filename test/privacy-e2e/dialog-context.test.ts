/**
 * A remote dialog's own context comes back to it as it wrote it (found by the canary test).
 *
 * SOEs keep what the caller said in their context; under the default policy that is a token
 * ("[DATE_OF_BIRTH_1]"). The gateway restores tokens in the returned context for its own use. It
 * used to send that restored context back on the next turn and rely on detecting the value again,
 * with that turn's context — but a value recognised only because the agent had just asked for it
 * (a bare "the third of march" after "what is your date of birth?") is not PII on its own, so it
 * went back raw. Over a real call (softphone, flite speech, a scripted OpenAI-compatible STT server):
 * the SOE asks for the date of birth, keeps the token, asks something else; the next turn and the
 * hang-up turn must carry its token back, and no request the date.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { startRecordingServer } from '../helpers/recording-server.js';
import { freeUdpRange } from '../helpers/ports.js';
import { OpenAiServer } from '../speech/servers/openai-server.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { waitFor } from '../helpers/wait.js';

const SAID = ['the third of march', 'check my balance'];

test('a token the SOE keeps in its context is sent back as the token, not the restored value', { timeout: 60_000 }, async () => {
  const seen: { text: string; context: Record<string, unknown> }[] = [];
  const soe = await startRecordingServer((r) => {
    const body = JSON.parse(r.body.toString('utf8')) as { input: { text: string }; context: Record<string, unknown> };
    const ctx: Record<string, unknown> = { ...body.context, vgwPostResponseTimeoutCount: 60_000 };
    seen.push({ text: body.input.text, context: body.context });
    const say = (text: string) => ({ status: 200, json: { output: { text: [text] }, context: ctx } });
    if (seen.length === 1) return say('What is your date of birth?');
    if (seen.length === 2) return (ctx['dob'] = body.input.text, say('Thank you. How can I help?'));
    return say('Okay.');
  });
  const script = [...SAID];
  const stt = new OpenAiServer({ apiKey: 'k', transcript: () => script.shift() ?? '' });
  const gw = await startInProcessGateway({
    defaultCountry: 'GB',
    accounts: [{ id: 'a', applications: [{
      id: 'desk', numbers: ['desk'], mode: 'agent',
      dialog: { provider: 'webhook', url: soe.url, workspaceId: 'ws', auth: { type: 'none' }, allowInsecure: true },
      speech: { stt: { engine: 'openai', url: await stt.listen(), apiKey: 'k', allowInsecure: true } },
    }] }],
  });
  const base = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9, endpointer: { silenceHangoverMs: 500 } });
  const tts = new FliteTts({ voice: 'slt' });
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text: 'yes please' })) chunks.push(c);
  const phrase = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000);
  chunks.reduce((o, c) => (phrase.set(c, o), o + c.length), 0);
  const call = await phone.dial(`sip:desk@127.0.0.1:${gw.sipPort}`, [], '+447700900123');
  try {
    await call.nextUtterance();
    await call.play({ kind: 'pcm', samples: phrase });
    await call.nextUtterance();
    const token = seen[1]!.text;
    assert.match(token, /^\[DATE_OF_BIRTH_\d+\]$/, `the answer reached the SOE as a token (got ${JSON.stringify(token)})`);
    await call.play({ kind: 'pcm', samples: phrase });
    await call.nextUtterance();
    assert.equal(seen[2]!.context['dob'], token, 'the next turn carries the SOE\'s own token back');
    await call.hangup();
    await gw.waitForEvent((e) => e.type === 'call.ended');
    const hangup = await waitFor('the hang-up turn at the SOE', () => seen.find((s) => s.text === 'vgwHangUp'), 5000);
    assert.ok(hangup, 'the SOE got the hang-up turn');
    assert.equal(hangup.context['dob'], token, 'and so does the hang-up turn');
    const leaked = soe.requests.filter((r) => r.body.toString('utf8').toLowerCase().includes('third of march'));
    assert.deepEqual(leaked.map((r) => r.body.toString('utf8').slice(0, 300)), [], 'the date of birth in a request to the SOE');
  } finally {
    await call.hangup().catch(() => undefined);
    await phone.close();
    await gw.stop();
    await tts.close();
    await stt.close();
    await soe.close();
  }
});
