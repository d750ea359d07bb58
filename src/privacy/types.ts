/**
 * The privacy module's vocabulary: the PII/PCI/PHI entity types it detects, an entity found in a
 * text (offsets into the input string), the cross-turn detection context, and redaction modes.
 * Kept apart so detectors, redaction, policy and the CLI share one definition.
 */

/** Amazon Transcribe's PII types, plus PHI identifiers and travel/identity documents. */
export const PII_TYPES = [
  'PHONE',
  'CREDIT_DEBIT_NUMBER',
  'CREDIT_DEBIT_CVV',
  'CREDIT_DEBIT_EXPIRY',
  'PIN',
  'SSN',
  'BANK_ACCOUNT_NUMBER',
  'BANK_ROUTING',
  'IBAN',
  'EMAIL',
  'DATE_OF_BIRTH',
  'ADDRESS',
  'NAME',
  'MEDICAL_RECORD_NUMBER',
  'HEALTH_PLAN_ID',
  'PASSPORT_NUMBER',
  'DRIVER_ID',
  /**
   * A run of 7 or more digits (or a shorter run that continues a sensitive one) that no detector
   * could type and that is not positively a harmless quantity: redacted anyway (fail closed).
   */
  'NUMBER',
] as const;

export type PiiType = (typeof PII_TYPES)[number];

const PII_TYPE_SET: ReadonlySet<string> = new Set(PII_TYPES);
export function isPiiType(s: string): s is PiiType {
  return PII_TYPE_SET.has(s);
}

/** One detected entity. `start`/`end` are UTF-16 offsets into the input; `value === input.slice(start, end)`. */
export interface Entity {
  type: PiiType;
  start: number;
  end: number;
  value: string;
  /** Canonical form when the detector computed one: digits for numbers (spoken words resolved), IBAN without spaces. */
  normalized?: string;
}

/**
 * What the detector knows from earlier turns of the same call. `expect` is set after the agent asked
 * for something (see `expectationFromPrompt`): a bare answer ("four one one one ...") is then read
 * as that type.
 */
export interface DetectionContext {
  expect?: PiiType;
  /**
   * The call's own From/To numbers (`prepareCallNumbers`): any form of them in the text — national,
   * international with or without `+`/`00`, spoken — is a PHONE entity whatever surrounds it.
   */
  callNumbers?: CallNumbers;
  /**
   * The caller has been giving digits a few at a time over the previous turns and this utterance
   * continues that run (`CrossTurnDigits`): every digit in it belongs to one sensitive entity, however
   * short, and a single DTMF key is not a menu choice.
   */
  continuesDigitRun?: boolean;
}

/** Digit forms of the call's own numbers, computed once per call (see `prepareCallNumbers`). */
export interface CallNumbers {
  /** Whole forms: national significant number, with trunk 0, with country code, with 00 / 011 prefixes. */
  readonly forms: readonly string[];
  /** National significant numbers (a run equal to one of their last >= 4 digits is the number's tail). */
  readonly nsns: readonly string[];
}

/** How a detected entity is rewritten. */
export type RedactionMode = 'mask' | 'partial' | 'token' | 'drop';
export const REDACTION_MODES: readonly RedactionMode[] = ['mask', 'partial', 'token', 'drop'];

/** Types whose value is an identifier number, for which `partial` mode keeps the last 4 characters. */
export const NUMERIC_IDENTIFIER_TYPES: ReadonlySet<PiiType> = new Set<PiiType>([
  'PHONE',
  'CREDIT_DEBIT_NUMBER',
  'SSN',
  'BANK_ACCOUNT_NUMBER',
  'BANK_ROUTING',
  'IBAN',
  'MEDICAL_RECORD_NUMBER',
  'HEALTH_PLAN_ID',
  'PASSPORT_NUMBER',
  'DRIVER_ID',
  'NUMBER',
]);
