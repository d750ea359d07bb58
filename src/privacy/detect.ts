/**
 * `detect(text, ctx)`: every PII/PCI/PHI entity in one utterance, as offsets into the input.
 *
 * One tokenization and one cue pass are shared by the detectors, which run in a fixed order and
 * claim tokens as they go so entities never overlap: written e-mails, IBANs, spoken e-mails,
 * month-name dates, street addresses, names, alphanumeric identifiers after their cues, and
 * finally numbers (cards, phones, SSNs, ...). The context carries what the agent just asked for.
 */
import type { DetectionContext, Entity } from './types.js';
import { createScan } from './tokens.js';
import { F_AT, F_COUNTRY, F_MONTH, F_NAMECUE, F_SPELLED, F_SUFFIX, K_ALNUM, K_DIGITS, K_NUMWORD, K_OTHER } from './words.js';
import { findCues } from './cues.js';
import { detectSpokenEmails, detectWrittenEmails } from './detectors/email.js';
import { detectIbans } from './detectors/iban.js';
import { detectDates } from './detectors/dates.js';
import { detectAddresses } from './detectors/address.js';
import { detectNames } from './detectors/names.js';
import { detectNumbers } from './detectors/numbers.js';
import { detectCodes } from './detectors/codes.js';

export function detect(text: string, ctx?: DetectionContext): Entity[] {
  if (text.length === 0) return [];
  const scan = createScan(text);
  if (scan.tokens.length === 0) return [];
  const { flags, kinds } = scan;
  const expect = ctx?.expect;
  detectWrittenEmails(scan);
  const cues = findCues(scan);
  // an IBAN starts with a country code: in a letters-and-digits token, as a word before digits, or spelled
  if ((kinds & (1 << K_ALNUM)) !== 0 || ((kinds & ((1 << K_DIGITS) | (1 << K_NUMWORD))) !== 0 && (flags & (F_COUNTRY | F_SPELLED)) !== 0)) detectIbans(scan, cues);
  if ((flags & F_AT) !== 0) detectSpokenEmails(scan, cues.includes('EMAIL') || expect === 'EMAIL');
  if ((flags & F_MONTH) !== 0) detectDates(scan, cues, ctx);
  if ((flags & F_SUFFIX) !== 0 || (kinds & (1 << K_ALNUM)) !== 0) detectAddresses(scan, cues, ctx);
  if ((flags & (F_NAMECUE | F_SPELLED)) !== 0 || expect === 'NAME') detectNames(scan, ctx);
  if (cues.length > 0 || expect !== undefined) detectCodes(scan, cues, ctx);
  if ((kinds & ((1 << K_DIGITS) | (1 << K_NUMWORD) | (1 << K_ALNUM) | (1 << K_OTHER))) !== 0) detectNumbers(scan, cues, ctx);
  const entities = scan.entities;
  if (entities.length > 1) entities.sort((a, b) => a.start - b.start);
  return entities;
}
