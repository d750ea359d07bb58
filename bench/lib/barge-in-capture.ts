/**
 * What a call's barge-in detector was given, frame by frame, in a real call — so the detector can be
 * replayed offline on exactly those inputs (bench/barge-in-replay.ts) and two versions compared on
 * the same calls, which a re-run cannot do (each run's timing, jitter and echo placement differ).
 *
 * A capture file is a stream of records, in the order they happened on the gateway:
 *   'R' caller frame pushed to the Endpointer: f64 time (performance.now(), ms), f64 atMs, i8 behindTicks,
 *       u8 playing, 160 × i16 samples
 *   'S' the tick's sent frame pushed to the EchoReference: u8 sent (0: nothing), 160 × i16 samples
 *   'T' a trial's first syllable left the phone: f64 time (the same clock), u16 length + UTF-8 JSON
 *       (kind, name, echo settings, when it started and ended, when the live run paused), written at its end
 * preceded by one 'O' record: u16 length + UTF-8 JSON of the barge-in options the call's detector had.
 * Synthetic audio only (the bench's own stimuli); nothing here runs in the gateway.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { Endpointer } from '../../src/media/vad/endpointer.js';
import { EchoReference } from '../../src/media/vad/echo-reference.js';
import type { BargeInOptions } from '../../src/media/vad/barge-in-detector.js';
import { FRAME_SAMPLES } from '../../src/media/frames.js';

const optionsOf = new WeakMap<Endpointer, BargeInOptions>();
let target: { endpointer: Endpointer; reference: EchoReference; file: string; chunks: Buffer[]; started: boolean } | undefined;

let installed = false;

/** Patch the prototypes (once, however often called: patched twice, every frame was recorded twice). Records only for the call being captured. */
export function installCapture(): void {
  if (installed) return;
  installed = true;
  const setBargeIn = Endpointer.prototype.setBargeIn;
  Endpointer.prototype.setBargeIn = function (this: Endpointer, opts: BargeInOptions, ref?: EchoReference) {
    optionsOf.set(this, opts);
    setBargeIn.call(this, opts, ref);
  };
  const push = Endpointer.prototype.push;
  Endpointer.prototype.push = function (this: Endpointer, frame: Int16Array, atMs?: number, behindTicks = 0) {
    if (target?.endpointer === this) {
      const b = Buffer.alloc(1 + 8 + 8 + 1 + 1 + FRAME_SAMPLES * 2);
      b.write('R', 0);
      b.writeDoubleLE(performance.now(), 1);
      b.writeDoubleLE(atMs ?? NaN, 9);
      b.writeInt8(behindTicks, 17);
      b.writeUInt8(this.playing ? 1 : 0, 18);
      for (let i = 0; i < FRAME_SAMPLES; i++) b.writeInt16LE(frame[i] ?? 0, 19 + 2 * i);
      target.chunks.push(b);
    }
    push.call(this, frame, atMs, behindTicks);
  };
  const pushFrame = EchoReference.prototype.pushFrame;
  EchoReference.prototype.pushFrame = function (this: EchoReference, frame: Int16Array | null) {
    if (target?.reference === this) {
      const b = Buffer.alloc(1 + 1 + FRAME_SAMPLES * 2);
      b.write('S', 0);
      b.writeUInt8(frame ? 1 : 0, 1);
      if (frame) for (let i = 0; i < FRAME_SAMPLES; i++) b.writeInt16LE(frame[i] ?? 0, 2 + 2 * i);
      target.chunks.push(b);
    }
    pushFrame.call(this, frame);
  };
}

function jsonRecord(type: string, value: unknown, time?: number): Buffer {
  const body = Buffer.from(JSON.stringify(value));
  const head = Buffer.alloc(1 + (time === undefined ? 0 : 8) + 2);
  head.write(type, 0);
  if (time !== undefined) head.writeDoubleLE(time, 1);
  head.writeUInt16LE(body.length, head.length - 2);
  return Buffer.concat([head, body]);
}

/** Start capturing a call's detector inputs into `file` (written after each trial: the options are the call's by then). */
export function captureCall(endpointer: Endpointer, reference: EchoReference, file: string): void {
  target = { endpointer, reference, file, chunks: [], started: false };
}

/** A trial's first syllable left the phone at `time` (performance.now()); `info` says what it was and when it began (`startedAt`, same clock). */
export function markTrial(time: number, info: Record<string, unknown>): void {
  target?.chunks.push(jsonRecord('T', info, time));
}

/** Write what was recorded so far (after each trial) and, with `stop`, stop capturing. */
export function flushCapture(stop = false): void {
  if (!target) return;
  if (!target.started) writeFileSync(target.file, jsonRecord('O', optionsOf.get(target.endpointer) ?? null));
  target.started = true;
  if (target.chunks.length) appendFileSync(target.file, Buffer.concat(target.chunks));
  target.chunks = [];
  if (stop) target = undefined;
}

export type CaptureRecord =
  | { type: 'R'; time: number; atMs: number; behindTicks: number; playing: boolean; frame: Int16Array }
  | { type: 'S'; frame: Int16Array | null }
  | { type: 'T'; time: number; info: Record<string, unknown> };

/**
 * Replay a capture through a fresh Endpointer (energy VAD) and EchoReference as the gateway fed
 * them (with the captured barge-in options, or `override` merged over them): `onFrame` sees each
 * caller frame after the detector judged it (tracing), `onTrial` each trial mark with the pauses
 * raised since the previous one (times on the captured clock).
 */
export function replayCapture(
  buf: Buffer,
  onTrial: (time: number, info: Record<string, unknown>, pauses: number[]) => void,
  onFrame?: (ep: Endpointer, frame: Int16Array, time: number) => void,
  /** Options to use instead of the captured ones (merged over them): a rule's trade-off on the same calls. */
  override: Partial<BargeInOptions> = {},
): number {
  const { options: captured, records } = readCapture(buf);
  const options = captured ? { ...captured, ...override } : null;
  const ref = new EchoReference();
  const pauses: number[] = [];
  let now = 0;
  let frames = 0;
  const ep = new Endpointer({ echoReference: ref }, { onBargeIn: () => pauses.push(now) });
  if (options) ep.setBargeIn(options, ref);
  // Each trial's span on the captured clock, from its start to its mark. Once the live run paused the
  // prompt, the capture says "not playing"; a replayed detector that has not paused it yet in the trial
  // still hears it as playing (with nothing sent from then on: no echo to judge against), so that a
  // later pause is measured rather than lost.
  // A mark is written when its trial ends (its time is the first syllable's): the trial runs to its
  // `endedAt`, or in captures without one to the last frame before the mark.
  const spans: Array<readonly [number, number]> = [];
  let lastFrame = 0;
  for (const r of records) {
    if (r.type === 'R') lastFrame = r.time;
    else if (r.type === 'T') spans.push([Number(r.info['startedAt']), typeof r.info['endedAt'] === 'number' ? r.info['endedAt'] : lastFrame]);
  }
  let span = 0;
  for (const r of records) {
    if (r.type === 'R') {
      now = r.time;
      while (span < spans.length && now > spans[span]![1]) span++;
      const inTrial = span < spans.length && now >= spans[span]![0];
      ep.playing = r.playing || (inTrial && !pauses.some((t) => t >= spans[span]![0]));
      ep.push(r.frame, Number.isNaN(r.atMs) ? undefined : r.atMs, r.behindTicks);
      frames++;
      onFrame?.(ep, r.frame, now);
    } else if (r.type === 'S') ref.pushFrame(r.frame);
    else {
      onTrial(r.time, r.info, [...pauses]);
      pauses.length = 0;
    }
  }
  return frames;
}

/** Read a capture file: the detector's options and its records in order. */
export function readCapture(buf: Buffer): { options: BargeInOptions | null; records: CaptureRecord[] } {
  let at = 0;
  const json = (): unknown => {
    const n = buf.readUInt16LE(at);
    const v = JSON.parse(buf.subarray(at + 2, at + 2 + n).toString());
    at += 2 + n;
    return v;
  };
  const samples = (): Int16Array => {
    const f = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) f[i] = buf.readInt16LE(at + 2 * i);
    at += FRAME_SAMPLES * 2;
    return f;
  };
  if (buf.toString('latin1', 0, 1) !== 'O') throw new Error('not a barge-in capture');
  at = 1;
  const options = json() as BargeInOptions | null;
  const records: CaptureRecord[] = [];
  while (at < buf.length) {
    const type = buf.toString('latin1', at, at + 1);
    at += 1;
    if (type === 'R') {
      const time = buf.readDoubleLE(at);
      const atMs = buf.readDoubleLE(at + 8);
      const behindTicks = buf.readInt8(at + 16);
      const playing = buf.readUInt8(at + 17) === 1;
      at += 18;
      records.push({ type, time, atMs, behindTicks, playing, frame: samples() });
    } else if (type === 'S') {
      const sent = buf.readUInt8(at) === 1;
      at += 1;
      records.push({ type, frame: sent ? samples() : (at += FRAME_SAMPLES * 2, null) });
    } else if (type === 'T') {
      const time = buf.readDoubleLE(at);
      at += 8;
      records.push({ type, time, info: json() as Record<string, unknown> });
    } else throw new Error(`bad record '${type}' at ${at - 1}`);
  }
  return { options, records };
}
