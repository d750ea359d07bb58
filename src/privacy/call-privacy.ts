/**
 * `CallPrivacy`: what the privacy gate knows about one call across its turns, so each caller turn
 * is gated with the call's context rather than on its own:
 *
 * - the call's own From/To numbers (any form of them in a transcript is PHONE);
 * - what the agent last asked for (`expectationFromPrompt`): a bare answer is read as that type;
 * - digits given a few at a time. Callers dictate long numbers in pieces — "four one one", "one
 *   one one one", ... — and IVR-style dialogs collect them one key per turn. Each piece alone is
 *   short, so each passes as a menu choice or a small number, and a dialog that receives them raw
 *   can rebuild the whole. `CallPrivacy` joins the digits of consecutive digit-only turns; once the
 *   run reaches `CROSS_TURN_DIGITS` (4) the turn is gated as one sensitive entity for every
 *   destination (`continuesDigitRun`), and stays so until the caller says something that is not a
 *   digit. A single menu key in a call that is not dictating digits still passes as a menu choice.
 *
 * Pure state, no I/O: the call layer owns one per call and attaches `callerTurn`'s context to the
 * turn's events, so the dialog, event and training gates all see the same decision.
 */
import type { CallNumbers, DetectionContext, PiiType } from './types.js';
import { prepareCallNumbers } from './phone.js';
import { expectationFromPrompt } from './expectation.js';
import { createScan } from './tokens.js';
import { readCompositeRun } from './number-runs.js';

/** Digits in consecutive turns at which the run is one sensitive entity. */
export const CROSS_TURN_DIGITS = 4;

/** Words a caller says around dictated digits that do not end the dictation. */
const DICTATION_WORDS: ReadonlySet<string> = new Set([
  'um', 'umm', 'uh', 'uhh', 'uhm', 'er', 'erm', 'ah', 'eh', 'hmm', 'hm', 'mm', 'mhm', 'and', 'then', 'next', 'okay', 'ok',
  'yes', 'yeah', 'yep', 'so', 'the', 'is', 'are', 'it', "it's", 'its', 'that', "that's", 'digit', 'digits', 'number', 'numbers',
  'dash', 'hyphen', 'space', 'sorry', 'no', 'wait', 'again', 'followed', 'by', 'after', 'more', 'last', 'rest', 'of', 'a',
  'hash', 'pound', 'star', 'please',
]);

/** The caller's turn as the gate sees it. */
export interface CallerTurn {
  text?: string;
  dtmf?: string;
}

/** The per-turn part of a detection context: plain data, safe to carry on a call's events (no numbers). */
export interface TurnPrivacy {
  expect?: PiiType;
  continuesDigitRun?: boolean;
  /** The call's sensitive switch was on for this turn: the input is withheld everywhere, tokens only to a dialog. */
  sensitive?: boolean;
}

/** Digits at the start of the turn, at its end, and whether anything but dictation sits in between. */
function dictation(turn: CallerTurn): { leading: number; trailing: number; words: boolean } {
  if (turn.dtmf !== undefined) {
    const n = turn.dtmf.replace(/[^0-9]/g, '').length;
    return { leading: n, trailing: 0, words: false };
  }
  const text = turn.text ?? '';
  if (text.trim() === '') return { leading: 0, trailing: 0, words: false };
  const scan = createScan(text);
  let leading = 0;
  let trailing = 0;
  let words = false;
  for (let i = 0; i < scan.tokens.length; i++) {
    const run = readCompositeRun(scan, i);
    if (run && run.digits.length > 0) {
      if (words) trailing += run.digits.length;
      else leading += run.digits.length;
      i = run.to;
      continue;
    }
    if (DICTATION_WORDS.has(scan.tokens[i]!.w)) continue;
    words = true;
    trailing = 0; // only the digits after the last word start the next run
  }
  return { leading, trailing, words };
}

export class CallPrivacy {
  readonly callNumbers: CallNumbers;
  #expect: PiiType | undefined;
  /** Digits of the dictation in progress (consecutive digit-only turns, plus a trailing piece). */
  #run = 0;

  constructor(opts: { numbers?: readonly (string | undefined)[]; defaultCountry?: string } = {}) {
    this.callNumbers = prepareCallNumbers(opts.numbers ?? [], opts.defaultCountry ?? 'US');
  }

  /** The agent spoke: what it asked for is expected in the caller's next turn. */
  agentSaid(text: string | undefined): void {
    this.#expect = text ? expectationFromPrompt(text) : undefined;
  }

  get expect(): PiiType | undefined {
    return this.#expect;
  }

  /** The caller's turn (speech or keys): updates the dictation and returns what to gate it with. */
  callerTurn(turn: CallerTurn): TurnPrivacy {
    const d = dictation(turn);
    let continues: boolean;
    if (!d.words) {
      this.#run += d.leading;
      continues = d.leading > 0 && this.#run >= CROSS_TURN_DIGITS;
    } else {
      continues = d.leading > 0 && this.#run + d.leading >= CROSS_TURN_DIGITS;
      this.#run = d.trailing;
    }
    return { ...(this.#expect ? { expect: this.#expect } : {}), ...(continues ? { continuesDigitRun: true } : {}) };
  }

  /** The full detection context for a turn's gate: the turn's part plus the call's numbers. */
  detection(turn: TurnPrivacy = {}): DetectionContext {
    return { ...turn, callNumbers: this.callNumbers };
  }
}
