/**
 * Scores the detector on labelled cases (the `pii-dev.jsonl` format: `{ id, text, pii: [{type,
 * value}], keep: [string] }`). A case passes when, after masking, no PII value survives
 * (case-insensitive) and every keep string survives verbatim. Per type: recall = labelled values
 * overlapped by a detected entity of that type; precision = detected entities of that type that
 * overlap a labelled value of that type. Used by the test suite and `bench/redact.ts`.
 */
import type { DetectionContext } from './types.js';
import { detect } from './detect.js';
import { applyRedaction } from './redact.js';

export interface LabelledCase {
  id?: string;
  text: string;
  pii: { type: string; value: string }[];
  keep: string[];
  ctx?: DetectionContext;
}

export interface TypeScore {
  labelled: number;
  found: number;
  detected: number;
  correct: number;
  recall: number;
  precision: number;
}

export interface EvaluationReport {
  cases: number;
  passed: number;
  passRate: number;
  /** Fraction of labelled values that no longer appear after masking (any type). */
  valueRecall: number;
  /** Fraction of keep strings that survive. */
  keepRate: number;
  perType: Record<string, TypeScore>;
  failures: { id?: string; text: string; redacted: string; leaked: string[]; lost: string[] }[];
}

function locate(text: string, value: string, used: Set<number>): [number, number] | undefined {
  const lt = text.toLowerCase();
  const lv = value.toLowerCase();
  let from = 0;
  for (;;) {
    const i = lt.indexOf(lv, from);
    if (i < 0) return undefined;
    if (!used.has(i)) { used.add(i); return [i, i + value.length]; }
    from = i + 1;
  }
}

export function evaluateCases(cases: LabelledCase[]): EvaluationReport {
  const perType: Record<string, TypeScore> = {};
  const score = (t: string): TypeScore => (perType[t] ??= { labelled: 0, found: 0, detected: 0, correct: 0, recall: 0, precision: 0 });
  let passed = 0;
  let values = 0;
  let hidden = 0;
  let keeps = 0;
  let kept = 0;
  const failures: EvaluationReport['failures'] = [];
  for (const c of cases) {
    const entities = detect(c.text, c.ctx);
    const redacted = applyRedaction(c.text, entities, 'mask').toLowerCase();
    const used = new Set<number>();
    const spans = c.pii.map((p) => ({ type: p.type, span: locate(c.text, p.value, used) }));
    for (const p of spans) {
      const s = score(p.type);
      s.labelled++;
      if (p.span && entities.some((e) => e.type === p.type && e.start < p.span![1] && e.end > p.span![0])) s.found++;
    }
    for (const e of entities) {
      const s = score(e.type);
      s.detected++;
      if (spans.some((p) => p.type === e.type && p.span && e.start < p.span[1] && e.end > p.span[0])) s.correct++;
    }
    const leaked = c.pii.filter((p) => redacted.includes(p.value.toLowerCase())).map((p) => p.value);
    const lost = c.keep.filter((k) => !redacted.includes(k.toLowerCase()) || !applyRedaction(c.text, entities, 'mask').includes(k));
    values += c.pii.length;
    hidden += c.pii.length - leaked.length;
    keeps += c.keep.length;
    kept += c.keep.length - lost.length;
    if (leaked.length === 0 && lost.length === 0) passed++;
    else failures.push({ id: c.id, text: c.text, redacted: applyRedaction(c.text, entities, 'mask'), leaked, lost });
  }
  for (const s of Object.values(perType)) {
    s.recall = s.labelled === 0 ? 1 : s.found / s.labelled;
    s.precision = s.detected === 0 ? 1 : s.correct / s.detected;
  }
  return {
    cases: cases.length,
    passed,
    passRate: cases.length === 0 ? 1 : passed / cases.length,
    valueRecall: values === 0 ? 1 : hidden / values,
    keepRate: keeps === 0 ? 1 : kept / keeps,
    perType,
    failures,
  };
}

/** Parses JSON lines of labelled cases; malformed lines are reported, not thrown. */
export function parseLabelledCases(jsonl: string): { ok: true; cases: LabelledCase[] } | { ok: false; error: string } {
  const cases: LabelledCase[] = [];
  const lines = jsonl.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let v: unknown;
    try { v = JSON.parse(line); } catch { return { ok: false, error: `line ${i + 1}: not JSON` }; }
    const o = v as Partial<LabelledCase>;
    if (typeof o.text !== 'string' || !Array.isArray(o.pii)) return { ok: false, error: `line ${i + 1}: missing text or pii` };
    cases.push({ id: o.id, text: o.text, pii: o.pii, keep: Array.isArray(o.keep) ? o.keep : [], ctx: o.ctx });
  }
  return { ok: true, cases };
}
