/**
 * `redact(text, { mode, ctx, vault })`: detects PII and rewrites each entity.
 *
 * - `mask`: `[TYPE]`, e.g. `[CREDIT_DEBIT_NUMBER]`.
 * - `partial`: identifier numbers (cards, phones, SSNs, account/routing numbers, IBANs, health and
 *   document IDs) of 8 or more characters keep their last 4 characters (digits for spoken
 *   numbers): `[CREDIT_DEBIT_NUMBER ****1111]`. Everything else, and shorter numbers (a 4-digit PIN
 *   would be given away whole), is masked as in `mask`.
 * - `token`: `[TYPE_n]` from the call's `TokenVault` (reversible with `vault.restore`); without a
 *   vault, falls back to `mask`.
 * - `drop`: the entity is removed, with one adjoining space, so no double spaces are left.
 *
 * Returned entities keep offsets into the input text.
 */
import type { DetectionContext, Entity, PiiType, RedactionMode } from './types.js';
import { NUMERIC_IDENTIFIER_TYPES } from './types.js';
import { detect } from './detect.js';
import type { TokenVault } from './vault.js';

export interface RedactOptions {
  mode: RedactionMode;
  ctx?: DetectionContext;
  vault?: TokenVault;
}

export interface RedactResult {
  text: string;
  entities: Entity[];
}

function canonical(e: Entity): string {
  return e.normalized ?? e.value.replace(/[^0-9A-Za-z]/g, '');
}

export function partialForm(type: PiiType, e: Entity): string {
  if (!NUMERIC_IDENTIFIER_TYPES.has(type)) return `[${type}]`;
  const c = canonical(e);
  if (c.length < 8) return `[${type}]`;
  return `[${type} ****${c.slice(-4)}]`;
}

function replacement(e: Entity, mode: RedactionMode, vault: TokenVault | undefined): string {
  switch (mode) {
    case 'mask': return `[${e.type}]`;
    case 'partial': return partialForm(e.type, e);
    case 'token': return vault ? vault.tokenize(e.type, e.value) : `[${e.type}]`;
    case 'drop': return '';
  }
}

/** Rewrites `entities` (sorted, non-overlapping, offsets into `text`) in `text`. */
export function applyRedaction(text: string, entities: Entity[], mode: RedactionMode, vault?: TokenVault): string {
  if (entities.length === 0) return text;
  let out = '';
  let pos = 0;
  for (const e of entities) {
    let start = e.start;
    if (mode === 'drop') {
      // remove one adjoining space so "a [X] b" becomes "a b"
      if (start > pos && text.charCodeAt(start - 1) === 32 && (e.end >= text.length || text.charCodeAt(e.end) === 32)) start--;
    }
    out += text.slice(pos, start) + replacement(e, mode, vault);
    pos = e.end;
  }
  return out + text.slice(pos);
}

export function redact(text: string, opts: RedactOptions): RedactResult {
  const entities = detect(text, opts.ctx);
  return { text: applyRedaction(text, entities, opts.mode, opts.vault), entities };
}
