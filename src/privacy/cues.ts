/**
 * Context cues: the words around a value that say what it is ("the card number is", "my pin is",
 * "you can reach me at", "it expires", "flight", "order number"). One pass marks, for each token,
 * the entity type its cue announces, or NEGATIVE for cues that announce a non-PII number
 * (order, flight, confirmation numbers). Detectors then ask for the nearest cue before a value.
 */
import type { PiiType } from './types.js';
import type { Scan } from './tokens.js';
import { K_DIGITS, K_NUMWORD, sentenceBreakBefore } from './tokens.js';
import { F_CUE } from './words.js';

export type CueType = PiiType | 'NEGATIVE';

const NUMBER_QUALIFIERS: ReadonlyMap<string, CueType> = new Map<string, CueType>([
  ...['card', 'credit', 'debit', 'visa', 'mastercard', 'amex', 'long'].map((w) => [w, 'CREDIT_DEBIT_NUMBER'] as const),
  ...['account', 'acct', 'checking', 'savings', 'bank'].map((w) => [w, 'BANK_ACCOUNT_NUMBER'] as const),
  ...['routing', 'aba', 'transit'].map((w) => [w, 'BANK_ROUTING'] as const),
  ...['social', 'ssn', 'sin'].map((w) => [w, 'SSN'] as const),
  ...['phone', 'telephone', 'cell', 'cellphone', 'mobile', 'contact', 'callback', 'home', 'work', 'landline', 'fax',
    'direct', 'office', 'daytime', 'best', 'my', 'your', 'whatsapp', 'cell\'s'].map((w) => [w, 'PHONE'] as const),
  ...['pin'].map((w) => [w, 'PIN'] as const),
  ...['member', 'policy', 'subscriber', 'group', 'medicare', 'medicaid', 'beneficiary', 'plan', 'nhs', 'insurance',
    'health', 'insurance\'s'].map((w) => [w, 'HEALTH_PLAN_ID'] as const),
  ...['record', 'patient', 'chart', 'mrn', 'medical', 'hospital'].map((w) => [w, 'MEDICAL_RECORD_NUMBER'] as const),
  ...['passport'].map((w) => [w, 'PASSPORT_NUMBER'] as const),
  ...['license', 'licence', 'driving', 'driver\'s', 'drivers'].map((w) => [w, 'DRIVER_ID'] as const),
  ...['iban'].map((w) => [w, 'IBAN'] as const),
  ...['order', 'confirmation', 'reference', 'ref', 'tracking', 'flight', 'invoice', 'ticket', 'case', 'claim', 'model',
    'serial', 'item', 'part', 'seat', 'room', 'gate', 'booking', 'reservation', 'extension', 'store', 'branch', 'table',
    'bus', 'route', 'platform', 'version', 'product', 'sku', 'job', 'lot', 'batch', 'page', 'question', 'step', 'option',
    'menu', 'lucky', 'house', 'apartment', 'suite', 'unit', 'street', 'building', 'episode', 'track', 'train', 'wrong', 'customer', 'shipment', 'package', 'parcel', 'transaction', 'receipt',
    'application', 'ticket', 'incident', 'issue', 'service', 'request', 'voucher', 'promo', 'coupon', 'employee',
    'student', 'vehicle', 'registration', 'vin', 'payment'].map((w) => [w, 'NEGATIVE'] as const),
]);

const NEGATIVE_WORDS = new Set([
  'flight', 'order', 'option', 'press', 'extension', 'ext', 'room', 'gate', 'seat', 'terminal', 'platform', 'route', 'bus',
  'train', 'ticket', 'invoice', 'confirmation', 'reference', 'tracking', 'case', 'model', 'version', 'item', 'page',
  'chapter', 'step', 'level', 'floor', 'table', 'channel', 'episode', 'season', 'question', 'aisle', 'row', 'store',
  'branch', 'batch', 'lot', 'sku', 'booking', 'reservation', 'claim', 'incident', 'ticket', 'invoice', 'plan',
  'package', 'parcel', 'shipment', 'transaction', 'receipt', 'voucher', 'promo', 'coupon', 'iphone', 'galaxy', 'pixel',
  'windows', 'covid', 'hotel', 'highway', 'interstate', 'zone',
]);

const CALL_VERBS = new Set(['reach', 'call', 'text', 'contact', 'ring', 'back', 'phone', 'message', 'buzz', 'try', 'whatsapp', 'reached', 'called', 'texted']);
const LIVE_VERBS = new Set(['live', 'lives', 'living', 'located', 'stay', 'staying', 'reside', 'resides', 'moved', 'move']);

function qualifierBefore(words: (string | undefined)[]): CueType | undefined {
  // words = [p1, p2]
  const p1 = words[0];
  if (p1 === undefined) return undefined;
  if (p1 === 'security') return words[1] === 'social' ? 'SSN' : 'CREDIT_DEBIT_CVV';
  if (p1 === 'insurance' && words[1] === 'national') return 'SSN';
  if ((p1 === 'phone' || p1 === 'cell' || p1 === 'mobile') && (words[1] === 'order' || words[1] === 'model')) return 'NEGATIVE';
  return NUMBER_QUALIFIERS.get(p1);
}

const NO_CUES: readonly (CueType | undefined)[] = [];

/** Codes that are never personal: what they are called says so. */
const NON_PII_CODES: ReadonlySet<string> = new Set([
  'promo', 'promotional', 'discount', 'voucher', 'coupon', 'gift', 'referral', 'offer', 'tracking', 'confirmation', 'booking',
  'reference', 'order', 'product', 'error', 'country', 'dial', 'dialling', 'dialing', 'qr', 'bar', 'barcode', 'fault', 'status',
  'reservation', 'ticket', 'model', 'item', 'tax', 'vat', 'event', 'activation', 'redemption', 'room',
]);

/** The cue each token announces (undefined for most tokens). Computed once per text. */
export function findCues(scan: Scan): readonly (CueType | undefined)[] {
  const tokens = scan.tokens;
  if ((scan.flags & F_CUE) === 0) return NO_CUES;
  const out: (CueType | undefined)[] = new Array(tokens.length);
  for (let k = 0; k < tokens.length; k++) {
    if ((tokens[k]!.flags & F_CUE) === 0) continue;
    const w = tokens[k]!.w;
    const p1 = tokens[k - 1]?.w;
    const p2 = tokens[k - 2]?.w;
    const n1 = tokens[k + 1]?.w;
    let cue: CueType | undefined;
    switch (w) {
      case 'number': case 'numbers': case 'no': case 'num': case '#': case 'nr': case 'digits':
        if (w === 'no' && !NUMBER_QUALIFIERS.has(p1 ?? '')) break;
        cue = qualifierBefore([p1, p2]);
        break;
      case 'id': case 'identifier': case 'i.d':
        cue = p1 === 'patient' || p1 === 'medical' ? 'MEDICAL_RECORD_NUMBER'
          : p1 === 'passport' ? 'PASSPORT_NUMBER'
          : p1 === 'driver' || p1 === "driver's" || p1 === 'drivers' ? 'DRIVER_ID'
          : ['member', 'subscriber', 'insurance', 'policy', 'plan', 'medicare', 'medicaid', 'beneficiary', 'health'].includes(p1 ?? '') ? 'HEALTH_PLAN_ID'
          : ['order', 'transaction', 'confirmation', 'booking', 'reference', 'ticket', 'case'].includes(p1 ?? '') ? 'NEGATIVE'
          : undefined;
        break;
      case 'code': case 'codes':
        cue = p1 === 'security' || p1 === 'verification' || p1 === 'cvv' || p1 === 'cvc' || p1 === 'digit' || p1 === 'card' ? 'CREDIT_DEBIT_CVV'
          : p1 === 'pin' || p1 === 'access' || p1 === 'pass' || p1 === 'secret' ? 'PIN'
          : p1 === 'sort' || p1 === 'bank' ? 'BANK_ROUTING'
          : p1 === 'zip' || p1 === 'postal' || p1 === 'post' ? 'ADDRESS'
          : p1 === 'area' ? 'PHONE'
          : NON_PII_CODES.has(p1 ?? '') ? 'NEGATIVE'
          : undefined; // "the little code": the concept evidence of the sentence decides
        break;
      case 'cvv': case 'cvc': case 'cvv2': case 'cvc2': case 'csc': case 'cvn': case 'cid':
        cue = 'CREDIT_DEBIT_CVV';
        break;
      case 'two':
        if (p1 === 'cvv' || p1 === 'cvc') cue = 'CREDIT_DEBIT_CVV'; // "cvv two" is the name CVV2
        break;
      case 'expires': case 'expiry': case 'expiration': case 'exp': case 'expire': case 'expiring': case 'expired': case 'expiry\'s':
        cue = 'CREDIT_DEBIT_EXPIRY';
        break;
      case 'thru': case 'through': case 'until':
        if (p1 === 'valid' || p1 === 'good') cue = 'CREDIT_DEBIT_EXPIRY';
        break;
      case 'pin': case 'passcode': case 'pincode': case 'pin\'s':
        cue = 'PIN';
        break;
      case 'ssn': case 'social': case 'social\'s':
        if (n1 !== 'media' && n1 !== 'worker' && n1 !== 'services') cue = 'SSN';
        break;
      case 'security':
        if (p1 === 'social') cue = 'SSN';
        break;
      case 'routing': case 'aba':
        cue = 'BANK_ROUTING';
        break;
      case 'account': case 'acct':
        if (n1 !== 'holder' && n1 !== "holder's" && n1 !== 'name') cue = 'BANK_ACCOUNT_NUMBER';
        break;
      case 'iban':
        cue = 'IBAN';
        break;
      case 'phone': case 'cell': case 'mobile': case 'telephone': case 'landline': case 'cellphone': case 'fax':
        if (n1 !== 'bill' && n1 !== 'plan' && n1 !== 'model') cue = 'PHONE';
        break;
      case 'at': case 'on':
        if (p1 === 'me' && CALL_VERBS.has(p2 ?? '')) cue = 'PHONE';
        else if (p1 === 'back' && (p2 === 'me' || p2 === 'us')) cue = 'PHONE';
        else if (LIVE_VERBS.has(p1 ?? '')) cue = 'ADDRESS';
        break;
      case 'to':
        if (p1 === 'moved' || p1 === 'move' || p1 === 'moving' || p1 === 'relocated' || p1 === 'ship' || p1 === 'deliver' || p1 === 'delivered' || p1 === 'shipped' ||
          (p1 === 'it' && (p2 === 'send' || p2 === 'ship' || p2 === 'deliver' || p2 === 'mail' || p2 === 'post'))) cue = 'ADDRESS';
        break;
      case 'charge': case 'bill':
        if (p1 === 'please' || p1 === 'to' || p1 === 'can' || p1 === 'just' || p1 === 'and') cue = 'CREDIT_DEBIT_NUMBER';
        break;
      case 'card': case 'visa': case 'mastercard': case 'amex': case 'creditcard': case 'debitcard':
        cue = 'CREDIT_DEBIT_NUMBER';
        break;
      case 'birth': case 'born': case 'dob': case 'birthday': case 'birthdate': case 'd.o.b':
        cue = 'DATE_OF_BIRTH';
        break;
      case 'email': case 'e-mail':
        cue = 'EMAIL';
        break;
      case 'address':
        cue = p1 === 'email' || p1 === 'e-mail' || p1 === 'mail' ? 'EMAIL' : 'ADDRESS';
        break;
      case 'zip': case 'zipcode': case 'postcode': case 'postal':
        cue = 'ADDRESS';
        break;
      case 'mrn':
        cue = 'MEDICAL_RECORD_NUMBER';
        break;
      case 'member': case 'subscriber': case 'policy': case 'medicare': case 'medicaid':
        cue = 'HEALTH_PLAN_ID';
        break;
      case 'passport':
        cue = 'PASSPORT_NUMBER';
        break;
      case 'license': case 'licence':
        if (p1 === 'driver' || p1 === "driver's" || p1 === 'drivers' || p1 === 'driving') cue = 'DRIVER_ID';
        break;
      default:
        if (NEGATIVE_WORDS.has(w)) cue = 'NEGATIVE';
    }
    out[k] = cue;
  }
  return out;
}

export interface CueHit {
  type: CueType;
  at: number;
}

const CUE_WINDOW = 6;
const CLAUSE_STOPS: ReadonlySet<string> = new Set(['also', 'but', 'plus', 'whereas']);

/**
 * The nearest cue before token `i`, at most CUE_WINDOW tokens away, with no other value (a number
 * or a claimed entity) in between.
 */
export function cueBefore(scan: Scan, cues: readonly (CueType | undefined)[], i: number): CueHit | undefined {
  const tokens = scan.tokens;
  for (let k = i - 1; k >= 0 && k >= i - CUE_WINDOW; k--) {
    if (sentenceBreakBefore(scan, k + 1)) return undefined; // a cue speaks of its own sentence
    if (CLAUSE_STOPS.has(tokens[k]!.w)) return undefined; // ... and of its own clause ("my member id also we won 26 30")
    const c = cues[k];
    // a non-PII cue ("flight", "order number", "option") announces only the value right after it
    if (c === 'NEGATIVE' && i - k > 3) continue;
    if (c !== undefined) return { type: c, at: k };
    if (scan.taken[k]) return undefined;
    const kind = tokens[k]!.kind;
    // "the three digit code", "the 4 numbers on the back": a length, not a value
    if ((kind === K_DIGITS || kind === K_NUMWORD) && LENGTH_WORDS.has(tokens[k + 1]?.w ?? '')) continue;
    if (kind === K_DIGITS) return undefined;
    if (kind === K_NUMWORD && tokens[k]!.w !== 'o' && tokens[k]!.w !== 'oh') return undefined;
  }
  return undefined;
}

/** Words after a number that make it the length of a value ("three digit", "4 numbers"). */
const LENGTH_WORDS: ReadonlySet<string> = new Set(['digit', 'digits', 'numbers', 'number', 'characters', 'character', 'figures', 'figure', 'long']);

/** A cue right after a value: "4111 ... is my card number", "... that's my cell". */
export function cueAfter(scan: Scan, cues: readonly (CueType | undefined)[], to: number): CueHit | undefined {
  const tokens = scan.tokens;
  for (let k = to + 1; k < tokens.length && k <= to + 5; k++) {
    if (sentenceBreakBefore(scan, k)) return undefined;
    const c = cues[k];
    if (c !== undefined) {
      if (c === 'NEGATIVE') return undefined;
      // the cue must not introduce a value of its own
      for (let m = k + 1; m < tokens.length && m <= k + 3; m++) {
        const kind = tokens[m]!.kind;
        if (kind === K_DIGITS || kind === K_NUMWORD || scan.taken[m]) return undefined;
      }
      return { type: c, at: k };
    }
    const kind = tokens[k]!.kind;
    if (kind === K_DIGITS || kind === K_NUMWORD || scan.taken[k]) return undefined;
    const w = tokens[k]!.w;
    if (!(w === 'is' || w === 'was' || w === "that's" || w === 'thats' || w === 'that' || w === 'my' || w === 'the' ||
      w === "it's" || w === 'its' || w === 'for' || w === 'as' || w === 'mobile' || w === 'home' || w === 'work' || w === 'new')) return undefined;
  }
  return undefined;
}

/** "last four", "ending in", "ends with": the value is the tail of a longer number. */
export function tailCueBefore(scan: Scan, i: number): boolean {
  const tokens = scan.tokens;
  for (let k = i - 1; k >= 1 && k >= i - 8; k--) {
    const w = tokens[k]!.w;
    const p = tokens[k - 1]!.w;
    if ((p === 'last' && (w === 'four' || w === '4' || w === 'digits')) || ((p === 'ending' || p === 'ends' || p === 'ended') && (w === 'in' || w === 'with'))) return true;
  }
  return false;
}
