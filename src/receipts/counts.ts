/**
 * What one caller input becomes at each destination, as counts by outcome and entity type: the
 * receipt's "who got what". Derived from the same detector, call context and policy the gates use
 * (src/privacy/policy.ts), so a receipt says what the policy did, never what was said.
 */
import { detect } from '../privacy/index.js';
import type { DestinationPolicy, TextRule } from '../privacy/index.js';
import type { DetectionContext } from '../privacy/index.js';
import type { DestinationCounts } from './receipt.js';

export function emptyCounts(): DestinationCounts {
  return { allowed: {}, redacted: {}, tokenised: {}, dropped: {}, withheld: {} };
}

function bump(c: DestinationCounts, outcome: keyof DestinationCounts, type: string, n = 1): void {
  c[outcome][type] = (c[outcome][type] ?? 0) + n;
}

function outcomeOf(rule: TextRule): keyof DestinationCounts {
  if (rule === 'allow') return 'allowed';
  if (rule === 'drop' || rule === 'dropIfPii') return 'dropped';
  return rule.redact === 'token' ? 'tokenised' : rule.redact === 'drop' ? 'dropped' : 'redacted';
}

/**
 * Adds one input to a destination's counts. `sensitive`: the switch was on, so the destination got
 * the placeholder (`withheld`) or, for a dialog, one token (`tokenised`), whatever the policy says.
 */
export function countInput(
  c: DestinationCounts,
  destination: string,
  policy: DestinationPolicy,
  input: { text?: string; dtmf?: string },
  ctx: DetectionContext & { sensitive?: boolean },
): void {
  const field = input.dtmf !== undefined ? 'dtmf' : 'transcript';
  const value = input.dtmf ?? input.text ?? '';
  if (!value.trim()) return;
  if (ctx.sensitive) return bump(c, destination === 'dialog' ? 'tokenised' : 'withheld', ctx.expect ?? 'SENSITIVE');
  for (const e of detect(value, ctx)) {
    const allowedNumber = e.type === 'NUMBER' && policy.unexplainedNumbers === 'allow';
    bump(c, allowedNumber ? 'allowed' : outcomeOf(policy[field]), e.type);
  }
}

/** Counts without empty outcomes (a smaller, stable receipt). */
export function compact(c: DestinationCounts): Partial<DestinationCounts> {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => Object.keys(v).length > 0));
}
