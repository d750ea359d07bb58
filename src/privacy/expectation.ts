/**
 * Cross-turn context: reads what the agent just asked for ("Can I have the card number?") so the
 * caller's bare answer ("four one one one ...") is typed accordingly. When a prompt asks for more
 * than one thing, the one mentioned last wins ("Thanks. And the expiry date?").
 */
import type { PiiType } from './types.js';
import { CONCEPTS } from './lexicon.js';

const ASKS: [RegExp, PiiType][] = [
  [/\b(?:security code|cvv2?|cvc2?|csc|three[- ]digit code|3[- ]digit code|verification code|code on the back)\b/g, 'CREDIT_DEBIT_CVV'],
  [/\b(?:expir\w*|exp date|valid (?:thru|through|until))\b/g, 'CREDIT_DEBIT_EXPIRY'],
  [/\b(?:card number|long number on|credit card|debit card|card details|(?:the )?number on (?:the|your) card)\b/g, 'CREDIT_DEBIT_NUMBER'],
  [/\b(?:pin|pin number|pin code|passcode)\b/g, 'PIN'],
  [/\b(?:social security|ssn|social insurance|last four of your social|national insurance)\b/g, 'SSN'],
  [/\b(?:routing number|sort code|aba number|transit number)\b/g, 'BANK_ROUTING'],
  [/\b(?:account number|bank account)\b/g, 'BANK_ACCOUNT_NUMBER'],
  [/\biban\b/g, 'IBAN'],
  [/\b(?:e-?mail)\b/g, 'EMAIL'],
  [/\b(?:date of birth|birth ?date|birthday|dob|when were you born|born)\b/g, 'DATE_OF_BIRTH'],
  [/\b(?:address|zip code|post ?code|postal code|where do you live)\b/g, 'ADDRESS'],
  [/\b(?:your name|full name|first name|last name|surname|who am i speaking|who i'm speaking|spell (?:your|the) name|name on the)\b/g, 'NAME'],
  [/\b(?:phone number|telephone number|mobile number|cell number|callback number|contact number|number (?:we|i) can reach|reach you|call you back|best number)\b/g, 'PHONE'],
  [/\b(?:medical record|mrn|patient id)\b/g, 'MEDICAL_RECORD_NUMBER'],
  [/\b(?:member id|member number|policy number|subscriber id|insurance id|medicare number|medicaid number|group number|nhs number)\b/g, 'HEALTH_PLAN_ID'],
  [/\bpassport\b/g, 'PASSPORT_NUMBER'],
  [/\b(?:driver'?s licen[cs]e|driving licen[cs]e)\b/g, 'DRIVER_ID'],
];

/**
 * The PII type the agent's prompt asks for, if any: a phrase that names the thing ("the security
 * code", "your date of birth"), else the last word that names or describes one ("your social to
 * verify", "the digits on the back", "your telephone banking code") — the concept lexicon's
 * strongest words, so prompts nobody listed still set the expectation.
 */
export function expectationFromPrompt(agentText: string): PiiType | undefined {
  const text = agentText.toLowerCase();
  return byPhrase(text) ?? byConcept(text);
}

/** A menu ("press 1 for your account balance") offers choices; it does not ask for a value. */
const MENU_RE = /\b(?:press|option|options|menu|say one|choose|select)\b/;

function byConcept(text: string): PiiType | undefined {
  if (MENU_RE.test(text)) return undefined;
  // the evidence of the whole prompt: "what is on the back of the card?" is about the back (CVV),
  // "the number on your insurance card?" about the insurance; a bare "card" is the card number
  const score = new Map<PiiType, number>();
  let strong = false;
  for (const m of text.matchAll(/[a-z']+/g)) {
    const ws = CONCEPTS.get(m[0]);
    if (!ws) continue;
    for (const [t, w] of ws) {
      if (t === 'NUMBER') continue;
      score.set(t, (score.get(t) ?? 0) + w);
      if (w >= 3) strong = true;
    }
  }
  if (!strong) return undefined;
  let best: PiiType | undefined;
  let bestScore = 0;
  for (const [t, sc] of score) {
    if (sc > bestScore || (sc === bestScore && best === 'CREDIT_DEBIT_NUMBER')) { best = t; bestScore = sc; }
  }
  return bestScore >= 3 ? best : undefined;
}

function byPhrase(text: string): PiiType | undefined {
  let best: PiiType | undefined;
  let bestEnd = -1;
  for (const [re, type] of ASKS) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const end = m.index + m[0].length;
      // a longer, more specific phrase ending at the same place keeps its type ("card number" vs "number")
      if (end > bestEnd) { best = type; bestEnd = end; }
    }
  }
  return best;
}
