/**
 * Media stream cost per 20 ms frame, both directions, in the Twilio wire format (μ-law encode +
 * base64 + JSON for the caller's frame; JSON parse + base64 + μ-law decode + queue for the bot's),
 * and the L16 16 kHz variant (resample 8→16 kHz + binary frame; binary parse + resample 16→8 kHz).
 * Also: the CPU one streamed call costs (50 frames/s each way). Prints one JSON object; figures are
 * medians of `BENCH_RUNS` runs.
 */
import { cpus, loadavg } from 'node:os';
import { wire, ulawFrame, l16Bytes, parseBotMessage } from '../src/call/stream/wire.js';
import { BotPlayout } from '../src/call/stream/playout.js';
import { Resampler } from '../src/media/resample.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 20000);
const runs = Number(process.env.BENCH_RUNS ?? 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(fn: (i: number) => void): number {
  for (let i = 0; i < 5000; i++) fn(i);
  const per: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / iterations);
  }
  return Math.round(median(per) * 1000) / 1000;
}

const frame = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
let sink = 0;

const twilioOut = measure((i) => {
  sink += JSON.stringify(wire.media(i, 'MZ0123456789abcdef0123456789abcdef', i, i * 20, ulawFrame(frame))).length;
});
const botMsg = Buffer.from(JSON.stringify({ event: 'media', streamSid: 'MZ0', media: { payload: Buffer.from(ulawFrame(frame)).toString('base64') } }));
const playout = new BotPlayout(() => undefined);
const twilioIn = measure(() => {
  const m = parseBotMessage(botMsg, false, 'twilio');
  if (m.kind === 'media') playout.push(m.samples);
  sink += playout.next()?.length ?? 0;
});
const up = new Resampler(8000, 16000);
const down = new Resampler(16000, 8000);
const l16Out = measure(() => {
  sink += l16Bytes(up.process(frame)).length;
});
const l16Msg = l16Bytes(up.process(frame));
const l16In = measure(() => {
  const m = parseBotMessage(l16Msg, true, 'l16-16k');
  if (m.kind === 'media') playout.push(down.process(m.samples));
  sink += playout.next()?.length ?? 0;
});

const cpu = cpus();
const perCallPct = (us: number) => Math.round(((us * 50) / 1e6) * 100 * 1000) / 1000;
console.log(
  JSON.stringify({
    bench: 'stream',
    date: new Date().toISOString(),
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', node: process.version, loadavg1m: Math.round(loadavg()[0]! * 100) / 100 },
    figures: {
      iterations,
      runs,
      twilio: { callerFrameOutUs: twilioOut, botFrameInUs: twilioIn, oneCallCpuPercent: perCallPct(twilioOut + twilioIn) },
      l16_16k: { callerFrameOutUs: l16Out, botFrameInUs: l16In, oneCallCpuPercent: perCallPct(l16Out + l16In) },
      sink: sink > 0,
    },
  }),
);
