/**
 * bench/redact: throughput and per-utterance latency of PII redaction, and detection quality, on a
 * generated 10 MB corpus of call transcripts (lower-case, little punctuation, numbers as digits or
 * spoken words, PII in about a third of the utterances, and non-PII numbers — amounts, times,
 * quantities, order and flight numbers — that must survive). Also scores the labelled development
 * set (test/privacy/fixtures/pii-dev.jsonl) and the phrase-family corpus (test/privacy/corpus/):
 * `figures.families.tuned` / `.heldout` — the held-out split only as per-type aggregates, so nobody
 * tunes against it. `familiesThroughput` repeats the speed measurement on 10 MB drawn from the tuned
 * families (the original generator's `throughputMBps` stays, for comparison with earlier runs).
 *
 * Run: node --import tsx bench/redact.ts [--mb 10] [--family-cases 20000] [--failures]
 */
import { cpus } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { redact } from '../src/privacy/redact.js';
import { evaluateCases, parseLabelledCases, type EvaluationReport } from '../src/privacy/evaluate.js';
import { generatedCorpus } from './lib/redact-generated.js';
import { generateCorpus } from '../test/privacy/corpus/generate.js';
import { scoreSplit } from '../test/privacy/corpus/score.js';

// ---------- measurement ----------
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

function summarize(report: EvaluationReport): Record<string, unknown> {
  const perType: Record<string, { recall: number; precision: number; n: number }> = {};
  for (const [t, s] of Object.entries(report.perType)) perType[t] = { recall: round(s.recall), precision: round(s.precision), n: s.labelled };
  return { cases: report.cases, passRate: round(report.passRate, 4), valueRecall: round(report.valueRecall, 4), keepRate: round(report.keepRate, 4), perType };
}

/** Median of 3 timed passes over `texts` after a warm-up, and per-utterance latency on a sample. */
function measure(texts: string[], bytes: number): { throughputMBps: number; runsSeconds: number[]; latencyUs: { p50: number; p99: number; max: number } } {
  for (let i = 0; i < Math.min(20_000, texts.length); i++) redact(texts[i]!, { mode: 'mask' });
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < texts.length; i++) redact(texts[i]!, { mode: 'mask' });
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const seconds = median(runs);

  const sample = Math.min(30_000, texts.length);
  const lat = new Float64Array(sample);
  for (let i = 0; i < sample; i++) {
    const t = texts[(i * 7919) % texts.length]!;
    const t0 = process.hrtime.bigint();
    redact(t, { mode: 'mask' });
    lat[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  lat.sort();
  return {
    throughputMBps: round(bytes / 1024 / 1024 / seconds, 1),
    runsSeconds: runs.map((r) => round(r, 3)),
    latencyUs: { p50: round(percentile(lat, 0.5), 1), p99: round(percentile(lat, 0.99), 1), max: round(lat[lat.length - 1]!, 1) },
  };
}

/** About `targetBytes` of tuned-family utterances, PII in 38 % of them like the original generator. */
function familyTexts(targetBytes: number): { texts: string[]; bytes: number; piiShare: number } {
  const texts: string[] = [];
  let bytes = 0;
  let withPii = 0;
  for (let chunk = 1; bytes < targetBytes; chunk++) {
    for (const c of generateCorpus({ seed: chunk, split: 'tuned', cases: 10_000, piiShare: 0.38 })) {
      if (bytes >= targetBytes) break;
      texts.push(c.text);
      bytes += Buffer.byteLength(c.text) + 1;
      if (c.pii.length > 0) withPii++;
    }
  }
  return { texts, bytes, piiShare: round(withPii / texts.length, 3) };
}

function main(): void {
  const mbArg = process.argv.indexOf('--mb');
  const targetBytes = (mbArg > 0 ? Number(process.argv[mbArg + 1]) : 10) * 1024 * 1024;
  const fcArg = process.argv.indexOf('--family-cases');
  const familyCases = fcArg > 0 ? Number(process.argv[fcArg + 1]) : 20_000;
  const { corpus, bytes } = generatedCorpus(targetBytes);
  const texts = corpus.map((c) => c.text);
  const speed = measure(texts, bytes);

  const fam = familyTexts(targetBytes);
  const familySpeed = measure(fam.texts, fam.bytes);

  const quality = evaluateCases(corpus.slice(0, 40_000));
  const numeric = ['PHONE', 'CREDIT_DEBIT_NUMBER', 'CREDIT_DEBIT_CVV', 'CREDIT_DEBIT_EXPIRY', 'PIN', 'SSN', 'BANK_ACCOUNT_NUMBER', 'BANK_ROUTING', 'IBAN', 'MEDICAL_RECORD_NUMBER', 'HEALTH_PLAN_ID'];
  const agg = (types: string[]): number => {
    let l = 0, f = 0;
    for (const t of types) { const s = quality.perType[t]; if (s) { l += s.labelled; f += s.found; } }
    return l === 0 ? 1 : round(f / l, 4);
  };

  // The split is fixed in the family files; the seed only varies the values and fillers.
  const tuned = scoreSplit(generateCorpus({ seed: 2026, split: 'tuned', cases: familyCases }), { perFamily: true });
  const heldout = scoreSplit(generateCorpus({ seed: 2026, split: 'heldout', cases: familyCases }), { perFamily: false });

  const devPath = resolve(fileURLToPath(new URL('../', import.meta.url)), 'test/privacy/fixtures/pii-dev.jsonl');
  let dev: Record<string, unknown> | undefined;
  if (existsSync(devPath)) {
    const parsed = parseLabelledCases(readFileSync(devPath, 'utf8'));
    if (parsed.ok) dev = summarize(evaluateCases(parsed.cases));
  }

  const cpu = cpus();
  console.log(JSON.stringify({
    bench: 'redact',
    date: new Date().toISOString(),
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', node: process.version },
    figures: {
      corpusMB: round(bytes / 1024 / 1024, 2),
      utterances: texts.length,
      piiShare: round(corpus.filter((c) => c.pii.length > 0).length / corpus.length, 3),
      ...speed,
      familiesThroughput: { corpusMB: round(fam.bytes / 1024 / 1024, 2), utterances: fam.texts.length, piiShare: fam.piiShare, ...familySpeed },
      generated: {
        ...summarize(quality),
        recallNumeric: agg(numeric),
        recallNamesAddresses: agg(['NAME', 'ADDRESS']),
        recallEmailDob: agg(['EMAIL', 'DATE_OF_BIRTH']),
      },
      dev,
      families: { tuned: tuned.figures, heldout: heldout.figures },
    },
  }));
  // failures of the generated corpus and the tuned families only: the held-out split is not for reading
  if (process.argv.includes('--failures')) {
    for (const f of quality.failures.slice(0, 60)) console.error(JSON.stringify(f));
    for (const f of tuned.report.failures.slice(0, 60)) console.error(JSON.stringify({ split: 'tuned', ...f }));
  }
}

main();
