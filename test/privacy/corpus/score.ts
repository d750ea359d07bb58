/**
 * Scores a family corpus with the detector's own evaluator (`src/privacy/evaluate.ts`): per type,
 * aggregates, and — for the tuned split only, so nobody tunes against the held-out one — per family.
 * Also per form of the value (tuned only). A family's score is computed on its own part of each utterance (its labels, or its keep strings,
 * in the full utterance text), so a neighbouring value of another family cannot blur it.
 */
import { evaluateCases, type EvaluationReport, type LabelledCase } from '../../../src/privacy/evaluate.js';
import type { CorpusCase } from './generate.js';

/** The identifier and card types: "numeric recall" in the figures. */
export const NUMERIC_TYPES = ['PHONE', 'CREDIT_DEBIT_NUMBER', 'CREDIT_DEBIT_CVV', 'CREDIT_DEBIT_EXPIRY', 'PIN', 'SSN', 'BANK_ACCOUNT_NUMBER', 'BANK_ROUTING', 'IBAN', 'MEDICAL_RECORD_NUMBER', 'HEALTH_PLAN_ID', 'PASSPORT_NUMBER', 'DRIVER_ID'];

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

export interface TypeFigure { recall: number; n: number; precision: number }
export interface FamilyFigure { type?: string; n: number; recall?: number; valueRecall?: number; keepRate?: number }
export interface SplitFigures {
  cases: number;
  passRate: number;
  recallNumeric: number;
  recallEmailDob: number;
  recallNamesAddresses: number;
  /** Labelled values no longer present after masking, whatever type the detector gave them. */
  valueRecall: number;
  /** Harmless keep strings that survive masking verbatim. */
  keepRate: number;
  perType: Record<string, TypeFigure>;
  perFamily?: Record<string, FamilyFigure>;
  /** Recall by how the value was said (digits, spoken, mixed, hesitant, ...), over all types. */
  perForm?: Record<string, { n: number; recall: number; valueRecall: number }>;
}

function recallOver(report: EvaluationReport, types: readonly string[]): number {
  let labelled = 0;
  let found = 0;
  for (const t of types) { const s = report.perType[t]; if (s) { labelled += s.labelled; found += s.found; } }
  return labelled === 0 ? 1 : round(found / labelled);
}

export function scoreSplit(cases: CorpusCase[], opts: { perFamily: boolean }): { figures: SplitFigures; report: EvaluationReport } {
  const report = evaluateCases(cases);
  const perType: Record<string, TypeFigure> = {};
  for (const [t, s] of Object.entries(report.perType).sort(([a], [b]) => a.localeCompare(b))) {
    perType[t] = { recall: round(s.recall), n: s.labelled, precision: round(s.precision) };
  }
  const figures: SplitFigures = {
    cases: report.cases,
    passRate: round(report.passRate),
    recallNumeric: recallOver(report, NUMERIC_TYPES),
    recallEmailDob: recallOver(report, ['EMAIL', 'DATE_OF_BIRTH']),
    recallNamesAddresses: recallOver(report, ['NAME', 'ADDRESS']),
    valueRecall: round(report.valueRecall),
    keepRate: round(report.keepRate),
    perType,
  };
  if (opts.perFamily) { figures.perFamily = perFamily(cases); figures.perForm = perForm(cases); }
  return { figures, report };
}

function perForm(cases: CorpusCase[]): Record<string, { n: number; recall: number; valueRecall: number }> {
  const groups = new Map<string, LabelledCase[]>();
  for (const c of cases) {
    for (const p of c.pii) {
      const g = groups.get(p.form) ?? [];
      g.push({ text: c.text, pii: [p], keep: [], ctx: c.ctx });
      groups.set(p.form, g);
    }
  }
  const out: Record<string, { n: number; recall: number; valueRecall: number }> = {};
  for (const [form, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const r = evaluateCases(g);
    out[form] = { n: g.length, recall: recallOver(r, Object.keys(r.perType)), valueRecall: round(r.valueRecall) };
  }
  return out;
}

function perFamily(cases: CorpusCase[]): Record<string, FamilyFigure> {
  const groups = new Map<string, { type?: string; cases: LabelledCase[] }>();
  for (const c of cases) {
    for (const p of c.parts) {
      const g = groups.get(p.family) ?? { type: p.type, cases: [] };
      g.cases.push({ text: c.text, pii: p.pii, keep: p.keep, ctx: c.ctx });
      groups.set(p.family, g);
    }
  }
  const out: Record<string, FamilyFigure> = {};
  for (const [family, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const r = evaluateCases(g.cases);
    if (g.type !== undefined) {
      const s = r.perType[g.type];
      out[family] = { type: g.type, n: s?.labelled ?? 0, recall: round(s?.recall ?? 1), valueRecall: round(r.valueRecall) };
    } else {
      out[family] = { n: g.cases.reduce((a, c) => a + c.keep.length, 0), keepRate: round(r.keepRate) };
    }
  }
  return out;
}
