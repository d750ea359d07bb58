/**
 * The cost of the privacy records a call adds: a receipt appended to a region's chain (canonical
 * JSON, SHA-256, Ed25519 signature, one SQLite transaction reading the head), a chain verified
 * offline (per receipt), and the recorder's per-frame capture (both directions, 20 ms frames) plus
 * sealing a one-minute stereo recording. Prints one JSON object (medians of `BENCH_RUNS` runs,
 * machine, date, load average).
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { RegionStores } from '../src/store/open.js';
import { ReceiptStore } from '../src/receipts/receipt-store.js';
import { regionSigningKey } from '../src/receipts/signing-keys.js';
import { verifyChain } from '../src/receipts/verify.js';
import type { CallReceiptBody } from '../src/receipts/receipt.js';
import { CallRecording, type RecordedAudio } from '../src/call/call-recording.js';
import { SensitiveState } from '../src/call/sensitive-state.js';
import { newDataKey, seal, encodeAad } from '../src/training/envelope.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const receiptsPerRun = Number(process.env.BENCH_RECEIPTS ?? 500);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

function body(n: number): CallReceiptBody {
  return {
    kind: 'call', callId: `call-${n}@gw`, accountId: 'acme', applicationId: 'bank', region: 'eu', startedAt: new Date().toISOString(), endedAt: new Date().toISOString(),
    endReason: 'remote-bye', callerTurns: 6,
    destinations: { dialog: { allowed: {}, redacted: {}, tokenised: { CREDIT_DEBIT_NUMBER: 2 }, dropped: {}, withheld: {} }, events: { allowed: {}, redacted: { PHONE: 1 }, tokenised: {}, dropped: {}, withheld: { CREDIT_DEBIT_NUMBER: 1 } } },
    sensitive: [{ from: new Date().toISOString(), to: new Date().toISOString(), reasons: ['expected:CREDIT_DEBIT_NUMBER'], words: 16, digits: 16 }],
    recording: { consent: 'announce', outcome: 'announced', recorded: true, recordingId: 'r', durationMs: 60_000, pauses: [{ fromMs: 1000, toMs: 9000, reasons: ['sensitive'] }] },
    retentionExpiresAt: new Date().toISOString(),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-bench-records-'));
  const stores = await RegionStores.open({ eu: { store: { kind: 'sqlite' } } }, dir);
  const chain = await ReceiptStore.open(stores.get('eu'), regionSigningKey(dir, 'eu'));
  const appendUs: number[] = [];
  const verifyUs: number[] = [];
  let n = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < receiptsPerRun; i++) await chain.append(body(n++), Date.now());
    appendUs.push(Number(process.hrtime.bigint() - t0) / 1000 / receiptsPerRun);
    const t1 = process.hrtime.bigint();
    const v = await verifyChain('eu', chain.all(), regionSigningKey(dir, 'eu').publicKey);
    if (!v.ok) throw new Error('bench chain does not verify');
    verifyUs.push(Number(process.hrtime.bigint() - t1) / 1000 / v.receipts);
  }
  await stores.close();
  rmSync(dir, { recursive: true, force: true });

  // recorder: one minute of a stereo call, frame by frame, then the WAV sealed
  const frameUs: number[] = [];
  const sealMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const audio = new EventEmitter<{ frame: [Int16Array, number]; sent: [Int16Array, number] }>();
    let got: RecordedAudio | undefined;
    const rec = new CallRecording(audio, new SensitiveState(() => 0), { channels: 'stereo', maxSeconds: 3600, consent: { mode: 'none', key: '1', timeoutMs: 1 }, store: async (a) => void (got = a) });
    rec.start('not-required');
    const f = new Int16Array(160).fill(1234);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 3000; i++) {
      audio.emit('frame', f, i * 20);
      audio.emit('sent', f, i * 20);
    }
    frameUs.push(Number(process.hrtime.bigint() - t0) / 1000 / 3000);
    rec.finish();
    await Promise.resolve();
    const t1 = process.hrtime.bigint();
    seal(newDataKey(), Buffer.from(got!.wav), encodeAad(['bench']));
    sealMs.push(Number(process.hrtime.bigint() - t1) / 1e6);
  }
  const cpu = cpus();
  console.log(JSON.stringify({
    bench: 'privacy-records',
    receipts: { appendUsMedian: round(median(appendUs), 1), appendsPerSecond: Math.round(1e6 / median(appendUs)), verifyUsPerReceipt: round(median(verifyUs), 1), chainLength: n },
    recording: { captureUsPerFrameBothSides: round(median(frameUs)), percentOfOneCorePerCall: round((median(frameUs) * 50) / 1e4, 4), sealOneMinuteStereoMs: round(median(sealMs), 2) },
    runs,
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', node: process.version, loadavg: loadavg().map((x) => round(x, 2)) },
    date: new Date().toISOString(),
  }));
}

void main();
