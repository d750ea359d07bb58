/**
 * A stream application against a local WebSocket server written the way a Twilio Media Streams bot
 * is: it reads `connected`/`start`/`media`, echoes the caller's audio back, sends `mark` and
 * `clear`. Real SIP/RTP from our softphone, a real socket to the bot; the socket is dropped
 * mid-call and comes back; the call survives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer, type WebSocket } from 'ws';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { freeUdpRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { streamsOfCall } from '../../src/call/stream/bot-stream.js';

interface Msg {
  event: string;
  streamSid?: string;
  start?: { streamSid: string; callSid: string; customParameters: Record<string, string>; mediaFormat: { encoding: string; sampleRate: number } };
  media?: { payload: string; chunk: string };
  mark?: { name: string };
}

/** A bot: every connection's messages, in order, with arrival times. */
function startBot(): Promise<{ port: number; conns: { ws: WebSocket; msgs: (Msg & { at: number })[] }[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const conns: { ws: WebSocket; msgs: (Msg & { at: number })[] }[] = [];
  wss.on('connection', (ws) => {
    const c = { ws, msgs: [] as (Msg & { at: number })[] };
    conns.push(c);
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as Msg;
      c.msgs.push({ ...m, at: Date.now() });
      // The echo: what the caller says comes straight back, as a Twilio bot would send it.
      if (m.event === 'media' && (c as { echo?: boolean }).echo !== false) ws.send(JSON.stringify({ event: 'media', streamSid: m.streamSid, media: { payload: m.media!.payload } }));
    });
  });
  return new Promise((resolve) =>
    wss.on('listening', () => resolve({ port: (wss.address() as { port: number }).port, conns, close: () => new Promise((r) => wss.close(() => r())) })),
  );
}

const tone = (ms: number, amp = 8000) => Int16Array.from({ length: (ms * 8000) / 1000 }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * 440 * i) / 8000)));
const ulawTone = (ms: number) => Buffer.alloc((ms * 8000) / 1000, 0x80).toString('base64'); // 0x80: a loud μ-law value

test('twilio-format stream: start with obfuscated numbers, echo heard by the caller, mark after playout, clear at once, reconnect after a drop', async () => {
  const bot = await startBot();
  const g = await startInProcessGateway({
    accounts: [{ id: 'a', applications: [{
      id: 'bot', numbers: ['bot'], mode: 'stream',
      stream: { url: `ws://127.0.0.1:${bot.port}/media?token=abc`, allowInsecure: true, parameters: { campaign: 'spring' }, reconnect: { initialDelayMs: 50 } },
      privacy: { stream: { audio: 'allow' } },
    }] }],
  });
  const base = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9 });
  try {
    const call = await phone.dial(`sip:bot@127.0.0.1:${g.sipPort}`, [], '+14155550123');
    const first = await waitFor('the bot connection and its start', () => (bot.conns[0]?.msgs.find((m) => m.event === 'start') ? bot.conns[0] : undefined));
    assert.deepEqual(first.msgs.map((m) => m.event).slice(0, 2), ['connected', 'start']);
    const start = first.msgs[1]!.start!;
    assert.equal(start.mediaFormat.encoding, 'audio/x-mulaw');
    assert.equal(start.mediaFormat.sampleRate, 8000);
    assert.equal(start.customParameters['campaign'], 'spring');
    assert.equal(start.customParameters['from'], '+1415555XXXX', 'the caller number is obfuscated');
    assert.ok(!JSON.stringify(first.msgs).includes('5550123'));
    await g.waitForEvent((e) => e.type === 'stream.started');
    assert.ok(!JSON.stringify(g.events).includes('token=abc'), 'the URL on events has no query');

    // The caller speaks; the bot hears 20 ms μ-law chunks and echoes them; the caller hears its tone back.
    await call.play({ kind: 'pcm', samples: tone(600) });
    await waitFor('media at the bot', () => first.msgs.filter((m) => m.event === 'media').length >= 25);
    const media = first.msgs.filter((m) => m.event === 'media');
    assert.equal(Buffer.from(media[0]!.media!.payload, 'base64').length, 160);
    await waitFor('the echo back at the caller', () => {
      const pcm = call.receivedPcm();
      let e = 0;
      for (const s of pcm) e += s * s;
      return pcm.length > 0 && Math.sqrt(e / pcm.length) > 1000;
    });

    // mark after 1 s of audio: acknowledged once it has been played, not before.
    (first as { echo?: boolean }).echo = false;
    const sent = Date.now();
    first.ws.send(JSON.stringify({ event: 'media', streamSid: start.streamSid, media: { payload: ulawTone(1000) } }));
    first.ws.send(JSON.stringify({ event: 'mark', streamSid: start.streamSid, mark: { name: 'one-second' } }));
    const acked = await waitFor('mark one-second', () => first.msgs.find((m) => m.event === 'mark' && m.mark?.name === 'one-second'));
    assert.ok(acked.at - sent >= 900, `mark acknowledged ${acked.at - sent} ms after 1 s of audio`);

    // clear: 5 s queued, cleared at once; its mark comes back at the clear, a later mark straight after.
    first.ws.send(JSON.stringify({ event: 'media', streamSid: start.streamSid, media: { payload: ulawTone(5000) } }));
    first.ws.send(JSON.stringify({ event: 'mark', streamSid: start.streamSid, mark: { name: 'long' } }));
    await waitFor('playout started', () => call.received.length > 0 && Date.now() - call.received[call.received.length - 1]!.arrivalMs < 100);
    const cleared = Date.now();
    first.ws.send(JSON.stringify({ event: 'clear', streamSid: start.streamSid }));
    first.ws.send(JSON.stringify({ event: 'mark', streamSid: start.streamSid, mark: { name: 'after-clear' } }));
    const long = await waitFor('mark long', () => first.msgs.find((m) => m.event === 'mark' && m.mark?.name === 'long'));
    const after = await waitFor('mark after-clear', () => first.msgs.find((m) => m.event === 'mark' && m.mark?.name === 'after-clear'));
    assert.ok(long.at - cleared < 1000, `cleared mark acknowledged ${long.at - cleared} ms after clear (5 s were queued)`);
    assert.ok(after.at - cleared < 1000, 'the queue was empty after the clear');

    // The socket drops (no close frame): the gateway reconnects with the same streamSid; the call goes on.
    first.ws.terminate();
    await g.waitForEvent((e) => e.type === 'stream.reconnecting');
    const second = await waitFor('a second connection with start', () => (bot.conns[1]?.msgs.find((m) => m.event === 'start') ? bot.conns[1] : undefined));
    assert.equal(second.msgs.find((m) => m.event === 'start')!.start!.streamSid, start.streamSid);
    assert.equal(call.ended, false, 'the call survived the drop');
    await call.play({ kind: 'pcm', samples: tone(200) });
    await waitFor('media on the new socket', () => second.msgs.some((m) => m.event === 'media'));

    // The sensitive switch's hook: muted, the bot hears silence (the chunks keep coming, timing kept).
    const [stream] = streamsOfCall(call.session.callId);
    assert.ok(stream, 'the live call lists its stream');
    stream.muted = true;
    const from = second.msgs.length;
    await call.play({ kind: 'pcm', samples: tone(400) });
    // Chunks the gateway sent before the switch may still be on the socket when it flips (seen under
    // `make test`'s load): up to 100 ms of them may carry sound; from the first silent one on, all are silent.
    const silent = (m: Msg): boolean => Buffer.from(m.media!.payload, 'base64').every((b) => b === 0xff);
    const muted = await waitFor('media while muted', () => {
      const m = second.msgs.slice(from).filter((x) => x.event === 'media');
      const first = m.findIndex(silent);
      return first >= 0 && m.length - first >= 15 ? { inFlight: first, after: m.slice(first) } : undefined;
    });
    assert.ok(muted.inFlight <= 5, `${muted.inFlight} chunks with sound after the switch: more than were in flight`);
    for (const m of muted.after) assert.ok(silent(m), 'μ-law silence only');
    stream.muted = false;

    await call.hangup();
    const stopped = await g.waitForEvent((e) => e.type === 'stream.stopped');
    assert.equal(stopped['reason'], 'call-ended');
    await waitFor('stop at the bot', () => second.msgs.some((m) => m.event === 'stop'));
  } finally {
    await phone.close();
    await g.stop();
    await bot.close();
  }
});

test('a stream application without privacy consent for audio, or with a ws:// URL without allowInsecure, fails at start naming the field', async () => {
  const { parseConfig } = await import('../../src/config/load.js');
  const app = { id: 'bot', mode: 'stream', stream: { url: 'wss://bot.example/media' } };
  assert.throws(() => parseConfig({ accounts: [{ id: 'a', applications: [app] }] }), /privacy\.stream\.audio/);
  assert.throws(() => parseConfig({ accounts: [{ id: 'a', applications: [{ ...app, stream: { url: 'ws://bot.example/media' }, privacy: { stream: { audio: 'allow' } } }] }] }), /stream\.url.*plain ws/s);
  assert.throws(() => parseConfig({ accounts: [{ id: 'a', applications: [{ id: 'b', mode: 'stream' }] }] }), /stream/);
});

test('l16-16k stream: binary 16-bit PCM at 16 kHz both ways, JSON control messages', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.on('listening', r));
  const frames: Buffer[] = [];
  const texts: Msg[] = [];
  wss.on('connection', (ws) => ws.on('message', (d, binary) => {
    if (!binary) return void texts.push(JSON.parse(d.toString()) as Msg);
    frames.push(d as Buffer);
    ws.send(d, { binary: true }); // echo
  }));
  const g = await startInProcessGateway({
    accounts: [{ id: 'a', applications: [{
      id: 'bot', numbers: ['bot'], mode: 'stream',
      stream: { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`, allowInsecure: true, format: 'l16-16k' },
      privacy: { stream: { audio: 'allow' } },
    }] }],
  });
  const base = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9 });
  try {
    const call = await phone.dial(`sip:bot@127.0.0.1:${g.sipPort}`);
    const start = await waitFor('start', () => texts.find((m) => m.event === 'start'));
    assert.deepEqual(start.start!.mediaFormat, { encoding: 'audio/l16', sampleRate: 16000, channels: 1 });
    await call.play({ kind: 'pcm', samples: tone(600) });
    await waitFor('binary frames', () => frames.length >= 20);
    assert.ok(frames.slice(5).every((f) => f.length === 640 || f.length === 638 || f.length === 642), `20 ms at 16 kHz is 640 bytes: ${frames.slice(5, 10).map((f) => f.length).join(',')}`);
    await waitFor('the echo heard', () => {
      const pcm = call.receivedPcm();
      let e = 0;
      for (const s of pcm) e += s * s;
      return pcm.length > 0 && Math.sqrt(e / pcm.length) > 1000;
    });
    await call.hangup();
    await waitFor('stop', () => texts.some((m) => m.event === 'stop'));
  } finally {
    await phone.close();
    await g.stop();
    await new Promise((r) => wss.close(r));
  }
});
