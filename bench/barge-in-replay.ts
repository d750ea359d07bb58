/**
 * bench/barge-in-replay: the barge-in detector replayed offline on calls `bench/barge-in --capture DIR`
 * recorded — the same caller frames, sent frames and timing the gateway's detector had — so a change
 * to the detector or the echo canceller is measured on identical inputs (a re-run of bench/barge-in
 * differs in timing, jitter and echo placement from run to run by more than most changes).
 *
 * Per trial: the first pause the replayed detector raises after the trial began, and for trials that
 * must interrupt its latency from the first syllable in the telephone band (as `latencyFromSpeechOnsetMs`
 * in bench/barge-in); for the others whether anything paused the prompt. The live run's own pause is
 * printed beside it (`live`): with the detector unchanged the two agree, which checks the replay.
 * After the live run paused the prompt, what was sent is what the live run sent (the prompt paused):
 * a replayed detector that has not paused it by then still hears the prompt as playing, but with
 * nothing sent — no echo — so a pause later than the live one is measured, optimistically.
 *
 * Energy VAD only (Silero's decision comes from a worker thread, asynchronously). The words that decide
 * stop or resume are not replayed: false *pauses* are counted here, false barge-ins need the live bench.
 *
 * Usage: node --import tsx bench/barge-in-replay.ts DIR [--trials] [--trace NAME] [--min-speech-ms N] [--min-voiced-ms N]
 *   --trials      every trial's replayed and live pause on stderr
 *   --trace NAME  per frame of the trials whose name contains NAME, from 300 ms before the first
 *                 syllable, in bench/barge-in --trace's format (bench/lib/barge-in-trace.ts)
 *   --min-speech-ms N, --min-voiced-ms N   replay with speech.bargeIn's minimums changed (reported beside the figures)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Endpointer } from '../src/media/vad/endpointer.js';
import { replayCapture } from './lib/barge-in-capture.js';
import { traceLine } from './lib/barge-in-trace.js';
import { report, percentile } from './lib/report.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: bench/barge-in-replay.ts DIR (from bench/barge-in --capture DIR)');
const PRINT_TRIALS = process.argv.includes('--trials');
const traceIndex = process.argv.indexOf('--trace');
const TRACE = traceIndex >= 0 ? process.argv[traceIndex + 1]! : undefined;
const numberArg = (name: string): number | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
};
const MIN_SPEECH_MS = numberArg('--min-speech-ms');
const MIN_VOICED_MS = numberArg('--min-voiced-ms');
const override = { ...(MIN_SPEECH_MS !== undefined ? { minSpeechMs: MIN_SPEECH_MS } : {}), ...(MIN_VOICED_MS !== undefined ? { minVoicedMs: MIN_VOICED_MS } : {}) };

interface Trial {
  kind: string;
  name: string;
  echo: string;
  replayedMs: number | null;
  liveMs: number | null;
}

const trials: Trial[] = [];
let pausedBeforeTrials = 0;
const files = readdirSync(dir).filter((f) => /^call-\d+\.bin$/.test(f)).sort((a, b) => Number(a.slice(5, -4)) - Number(b.slice(5, -4)));
const t0 = process.cpuUsage();
let frames = 0;
for (const f of files) {
  // Per frame, for --trace: a trial's lines are printed when its mark ('T', written at its end) is read.
  const lines: Array<[number, string]> = [];
  frames += replayCapture(
    readFileSync(join(dir, f)),
    (time, info, pauses) => {
      const i = info as { kind: string; name: string; echoDb: number; echoMs: number; echoFiltered: boolean; startedAt: number; pausedAt: number | null };
      const fire = pauses.find((t) => t >= i.startedAt);
      // Pauses before the stimulus began: the prompt's own echo (a speech trial's call plays 2.5 s of it first).
      pausedBeforeTrials += pauses.filter((t) => t < i.startedAt).length;
      trials.push({ kind: i.kind, name: i.name, echo: `${i.echoDb}/${i.echoMs}${i.echoFiltered ? 'lp' : ''}`, replayedMs: fire === undefined ? null : Math.round(fire - time), liveMs: i.pausedAt === null ? null : Math.round(i.pausedAt - time) });
      if (TRACE && i.name.includes(TRACE)) {
        process.stderr.write(`trace ${i.name} ${i.echoDb} dB ${i.echoMs} ms${i.echoFiltered ? ' low-pass' : ''}\n`);
        for (const [t, l] of lines) if (t >= time - 300 && t <= time + 500) process.stderr.write(`  ${Math.round(t - time)} ${l}\n`);
      }
      lines.length = 0;
    },
    TRACE ? (ep, frame, time) => void lines.push([time, traceFrame(ep, frame)]) : undefined,
    override,
  );
}
const cpu = process.cpuUsage(t0);

/** One frame as the detector judged it (bench/lib/barge-in-trace.ts), with the VAD's decision and floor as the Endpointer had them. */
function traceFrame(ep: Endpointer, received: Int16Array): string {
  const e = ep as unknown as { speechFlags: Uint8Array; frameNo: number };
  const speech = e.speechFlags[(e.frameNo - 1) & (e.speechFlags.length - 1)] === 1;
  const c = ep.bargeInDetector.canceller as unknown as { residual: Int16Array; lastPassed: boolean } | undefined;
  const cancelling = (ep.bargeInDetector as unknown as { cancelling: boolean }).cancelling;
  const judged = cancelling && c && !c.lastPassed ? c.residual : received;
  return traceLine(ep.bargeInDetector, judged, speech, (ep.vad as { noiseDb?: number }).noiseDb ?? -60, false);
}

const interrupting = (t: Trial) => t.kind === 'speech' || t.kind === 'command';
function figures(kind: string, pick: (t: Trial) => number | null) {
  const ts = trials.filter((t) => t.kind === kind);
  const lat = ts.flatMap((t) => { const v = pick(t); return v === null ? [] : [v]; }).sort((a, b) => a - b);
  return { trials: ts.length, paused: lat.length, p50: percentile(lat, 50), p95: percentile(lat, 95), max: lat.at(-1) ?? null };
}
const falsePauses = (pick: (t: Trial) => number | null) => trials.filter((t) => !interrupting(t) && pick(t) !== null).length;
if (PRINT_TRIALS) for (const t of trials) process.stderr.write(`${t.kind} ${t.name} ${t.echo}: replayed ${t.replayedMs ?? '-'} live ${t.liveMs ?? '-'}\n`);
report('barge-in-replay', {
  calls: files.length,
  ...(Object.keys(override).length ? { override } : {}),
  frames,
  cpuUsPerFrame: Math.round((cpu.user + cpu.system) / Math.max(1, frames)),
  replayed: { speech: figures('speech', (t) => t.replayedMs), commands: figures('command', (t) => t.replayedMs), falsePauses: falsePauses((t) => t.replayedMs) },
  live: { speech: figures('speech', (t) => t.liveMs), commands: figures('command', (t) => t.liveMs), falsePauses: falsePauses((t) => t.liveMs) },
  nonInterruptingTrials: trials.filter((t) => !interrupting(t)).length,
  pausedBeforeTrials,
  disagreeing: trials.filter((t) => (t.replayedMs === null) !== (t.liveMs === null) || (t.replayedMs !== null && t.liveMs !== null && Math.abs(t.replayedMs - t.liveMs) > 25)).map((t) => `${t.kind} ${t.name} ${t.echo}: replayed ${t.replayedMs} live ${t.liveMs}`),
}, 'latency: from the first syllable (telephone band) leaving the phone to the pause, on the captured timeline; live: the run that captured');
