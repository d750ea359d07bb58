/**
 * A streamed LLM reply through a real call (issue 17 part 1): the `openai` dialog against a local
 * server speaking OpenAI's streaming chat completions at a model's pace (first token after 300 ms,
 * then 40 tokens/s), the gateway in process on real SIP/RTP, flite speaking, a softphone listening.
 * The agent starts speaking with the first clause, long before the model has finished; a caller
 * talking over it aborts the HTTP stream; a tool call at the end hangs up after the words before it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { startRecordingServer, type RecordedRequest } from '../helpers/recording-server.js';
import { chatStreamReply } from '../helpers/chat-stream-reply.js';
import { freeUdpRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';

// Long enough to stream for ~14 s: an interruption pauses the reply and aborts the stream only once
// its words are judged (call/barge-in.ts): the utterance's hangover and a general-model decode later,
// which on a loaded machine (the suite runs two files at once) took over 6 s; the stream must still be running then.
const WELCOME = 'Hello, thanks for calling the bank. I can help with your balance, your cards, a payment or our opening hours, and I can also put you through to a person. ' + 'Before we start, here is some news about our services, our branches and our opening hours this month, which have changed in several places. '.repeat(14) + 'What would you like to do today?';

test('a streamed reply is heard from its first clause; barge-in aborts the stream; a tool call runs after the words before it', { timeout: 120_000 }, async () => {
  const times: { request: number; firstToken?: number; done?: number }[] = [];
  const llm = await startRecordingServer((r: RecordedRequest) => {
    const body = JSON.parse(r.text) as { messages: { role: string; content: string }[]; stream?: boolean };
    const t: (typeof times)[number] = { request: Date.now() };
    times.push(t);
    const users = body.messages.filter((m) => m.role === 'user').length;
    const script = users === 0 ? { text: WELCOME } : { text: 'Goodbye, and thank you for calling.', toolCalls: [{ name: 'hangup', arguments: {} }] };
    const reply = chatStreamReply({ ...script, firstTokenMs: 300, tokensPerSecond: 40, onToken: (i) => (i === 0 ? (t.firstToken = Date.now()) : undefined) });
    const inner = reply.stream!;
    reply.stream = (async function* () {
      for await (const piece of inner) yield piece;
      t.done = Date.now();
    })();
    return reply;
  });
  const gw = await startInProcessGateway({
    accounts: [{ id: 'a', applications: [{
      id: 'llm', numbers: ['llm'], mode: 'agent',
      dialog: { provider: 'openai', baseUrl: llm.url, model: 'test', allowInsecure: true, systemPrompt: 'You are a bank agent.' },
      speech: { ttsCache: { enabled: false } },
    }] }],
  });
  const base = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9, endpointer: { silenceHangoverMs: 500 } });
  const tts = new FliteTts({ voice: 'slt' });
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text: 'I would like to check my balance please' })) chunks.push(c);
  const phrase = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000);
  chunks.reduce((o, c) => (phrase.set(c, o), o + c.length), 0);
  const call = await phone.dial(`sip:llm@127.0.0.1:${gw.sipPort}`);
  try {
    await call.nextSpeechStart(10_000);
    const heard = Date.now();
    const first = times[0]!;
    assert.equal(JSON.parse(llm.requests[0]!.text).stream, true);
    assert.ok(first.firstToken, 'the model had started');
    assert.equal(first.done, undefined, 'the agent speaks before the model has finished its reply');
    assert.ok(heard - first.firstToken! < 1000, `first audio ${heard - first.firstToken!} ms after the first token`);

    // The caller talks over the welcome: once the words are judged an interruption, the HTTP stream is aborted, not read to its end.
    await call.play({ kind: 'pcm', samples: phrase });
    await waitFor('the model stream aborted by barge-in', () => llm.requests[0]!.clientClosedEarly, 20_000);
    assert.equal(first.done, undefined, 'the stream never ran to its end');
    const welcomeTurn = await gw.waitForEvent((e) => e.type === 'turn.completed' && e['turn'] === 1);
    assert.equal(welcomeTurn['error'], undefined, 'an interrupted reply is not a failed turn');
    assert.ok(typeof welcomeTurn['totalToFirstAudioMs'] === 'number');

    // The caller's words go to the model; its goodbye is spoken, then the hangup tool call runs.
    await waitFor('the second request', () => llm.requests[1], 20_000);
    const sent = JSON.parse(llm.requests[1]!.text) as { messages: { role: string; content: string | null }[] };
    assert.equal(sent.messages.at(-2)!.role, 'assistant', 'the interrupted reply is in the history');
    assert.match(String(sent.messages.at(-2)!.content), /^Hello, thanks for calling the bank\./);
    await call.nextSpeechStart(10_000);
    const ended = await gw.waitForEvent((e) => e.type === 'call.ended', 20_000);
    assert.ok(ended);
    assert.ok(times[1]!.done, 'the goodbye stream was read to its end before the hang-up');
    const bye = await gw.waitForEvent((e) => e.type === 'turn.completed' && e['turn'] === 2);
    assert.ok((bye['totalToFirstAudioMs'] as number) > 0);
  } finally {
    await call.hangup().catch(() => undefined);
    await phone.close();
    await gw.stop();
    await tts.close();
    await llm.close();
  }
});
