/**
 * Mutation fuzzing of every parser a hostile peer reaches (test/helpers/fuzz-targets.ts): by
 * default 1,000,000 SIP and SDP inputs (600k SIP messages, 400k SDP bodies), 100k SIP INFO DTMF
 * bodies and 100k packets each for RTP, RTCP, SRTP and SRTCP, mutated from seeds (RFC 4475 torture messages, trunk-shaped
 * requests, SAVP offers, protected packets; test/helpers/fuzz-seeds.ts) with a seeded PRNG.
 *
 * A failure is a throw, a result that is not a typed value, or an input taking more than 50 ms
 * (timed again once, so a GC pause is not reported as a hang). Each failing input is written as
 * a corpus file (test/sip/fixtures/fuzz-corpus/ format) into `--out` (default: a temp dir).
 * Prints one JSON object (bench/lib/report.ts envelope): inputs/s per target and overall, the
 * slowest input per target, peak RSS, failures.
 *
 *   node --import tsx bench/fuzz.ts [--sip 600000] [--sdp 400000] [--info 100000] [--packets 100000] [--seed 1] [--out DIR]
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, percentile, report } from './lib/report.js';
import { FUZZ_TARGETS, runTarget, type FuzzTarget } from '../test/helpers/fuzz-targets.js';
import { Rng, mutate, seedsFor } from '../test/helpers/fuzz-seeds.js';
import { FUZZ_SRTP_KEYS } from '../test/helpers/fuzz-targets.js';
import { createSrtpContexts } from '../src/media/srtp/index.js';

const HANG_MS = 50;
const counts: Record<FuzzTarget, number> = {
  sip: arg('sip', 600_000),
  sdp: arg('sdp', 400_000),
  info: arg('info', 100_000),
  rtp: arg('packets', 100_000),
  rtcp: arg('packets', 100_000),
  srtp: arg('packets', 100_000),
  srtcp: arg('packets', 100_000),
};
const seed = arg('seed', 1);
const outIdx = process.argv.indexOf('--out');
const outDir = outIdx >= 0 ? process.argv[outIdx + 1]! : mkdtempSync(join(tmpdir(), 'hushgate-fuzz-'));
mkdirSync(outDir, { recursive: true });

interface Finding {
  target: FuzzTarget;
  kind: 'throw' | 'hang';
  detail: string;
  file: string;
}
const findings: Finding[] = [];
const seenDetail = new Set<string>();

function record(target: FuzzTarget, kind: 'throw' | 'hang', detail: string, input: Buffer): void {
  // One file per distinct failure (target + kind + first line of the error), the first input that showed it.
  const key = `${target}|${kind}|${detail.split('\n')[0]}`;
  if (seenDetail.has(key)) return;
  seenDetail.add(key);
  const file = join(outDir, `${target}-${kind}-${findings.length + 1}.json`);
  writeFileSync(file, JSON.stringify({ target, found: `${kind}: ${detail.split('\n')[0]}`, fixed: 'not yet', seed, input: { base64: input.toString('base64') } }, null, 2) + '\n');
  findings.push({ target, kind, detail: detail.split('\n')[0]!, file });
}

const perTarget: Record<string, unknown> = {};
let total = 0;
let totalNs = 0;
let failures = { throws: 0, hangs: 0, gcPausesDismissed: 0 };
const started = Date.now();

for (const target of FUZZ_TARGETS) {
  const n = counts[target];
  if (n <= 0) continue;
  const rng = new Rng(seed * 7919 + FUZZ_TARGETS.indexOf(target));
  const seeds = seedsFor(target);
  const text = target === 'sip' || target === 'sdp' || target === 'info';
  // SRTP: half the inputs are mutated plain packets protected with the call's key — a hostile
  // caller knows the SDES key it offered, so authentic garbage reaches the decrypt and RTP parse.
  const sender = target === 'srtp' || target === 'srtcp' ? createSrtpContexts(FUZZ_SRTP_KEYS).outbound : undefined;
  const plainSeeds = target === 'srtp' ? seedsFor('rtp') : target === 'srtcp' ? seedsFor('rtcp') : [];
  const slowest: number[] = [];
  let okCount = 0;
  let maxUs = 0;
  let ns = 0;
  for (let i = 0; i < n; i++) {
    // Mostly mutations; 3 % raw random bytes; SRTP receivers restarted every 10k inputs.
    let input = rng.below(33) === 0 ? Buffer.from(Array.from({ length: rng.below(700) }, () => rng.below(256))) : mutate(rng, seeds, text);
    if (sender && rng.below(2) === 0) {
      const plain = mutate(rng, plainSeeds, false);
      try {
        input = target === 'srtp' ? sender.protect(plain) : sender.protectRtcp(plain);
      } catch {
        input = plain; // not protectable (not RTP/RTCP at all): goes in as it is
      }
    }
    const fresh = i % 10_000 === 0;
    const t0 = process.hrtime.bigint();
    let threw: unknown;
    let ok = false;
    try {
      ok = runTarget(target, input, fresh).ok;
    } catch (e) {
      threw = e;
    }
    const dt = Number(process.hrtime.bigint() - t0);
    ns += dt;
    if (ok) okCount++;
    if (threw !== undefined) {
      failures.throws++;
      record(target, 'throw', threw instanceof Error ? `${threw.name}: ${threw.message}\n${threw.stack}` : String(threw), input);
    }
    const us = dt / 1000;
    if (us > maxUs) maxUs = us;
    if (us > HANG_MS * 1000) {
      const t1 = process.hrtime.bigint();
      try {
        runTarget(target, input, true);
      } catch {
        /* counted above */
      }
      const again = Number(process.hrtime.bigint() - t1) / 1e6;
      if (again > HANG_MS) {
        failures.hangs++;
        record(target, 'hang', `${again.toFixed(1)} ms for ${input.length} bytes`, input);
      } else failures.gcPausesDismissed++;
    }
    if (i % 64 === 0) slowest.push(us);
  }
  slowest.sort((a, b) => a - b);
  perTarget[target] = {
    inputs: n,
    inputsPerSec: Math.round(n / (ns / 1e9)),
    acceptedShare: Math.round((okCount / n) * 1000) / 1000,
    sampledP99Us: Math.round(percentile(slowest, 99) * 10) / 10,
    maxUs: Math.round(maxUs),
  };
  total += n;
  totalNs += ns;
}

report(
  'fuzz',
  {
    seed,
    inputs: total,
    sipAndSdpInputs: counts.sip + counts.sdp,
    infoInputs: counts.info,
    packetInputs: counts.rtp + counts.rtcp + counts.srtp + counts.srtcp,
    wallSeconds: Math.round((Date.now() - started) / 100) / 10,
    inputsPerSecInParsers: Math.round(total / (totalNs / 1e9)),
    perTarget,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    hangThresholdMs: HANG_MS,
    failures,
    findings,
    findingsDir: findings.length ? outDir : undefined,
  },
  'failures: throws or untyped results, and inputs over the hang threshold twice in a row (GC pauses dismissed). Findings go into test/sip/fixtures/fuzz-corpus/ and get fixed.',
);
