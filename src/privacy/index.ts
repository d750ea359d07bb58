/**
 * The privacy module's public surface: detection, redaction, tokenization, policy, phone
 * metadata and the log scrubber. Other modules import from here.
 */
export type { DetectionContext, Entity, PiiType, RedactionMode } from './types.js';
export { PII_TYPES, REDACTION_MODES, isPiiType } from './types.js';
export { detect } from './detect.js';
export { redact, applyRedaction, type RedactOptions, type RedactResult } from './redact.js';
export { TokenVault } from './vault.js';
export { expectationFromPrompt } from './expectation.js';
export { scrubForLogs } from './log-scrubber.js';
export { normalizeE164, obfuscatePhone, phonePseudonym, holdNumbers, heldNumberCount } from './phone.js';
export {
  applyPolicy, applyPhoneKeepingForm, parsePrivacyPolicy, parsePrivacyPolicyOnce, privacyPolicySchema, DEFAULT_PRIVACY_POLICY, DESTINATIONS,
  type Destination, type PrivacyPolicy, type PolicyRecord, type GatedRecord, type PolicyContext,
} from './policy.js';
export { onRedactions, refuseForTtsCache, type RedactionCounts, type RedactionListener } from './redaction-tally.js';
export { CallPrivacy } from './call-privacy.js';
export type { TurnPrivacy } from './call-privacy.js';
export { prepareCallNumbers } from './phone.js';
export type { CallNumbers } from './types.js';
export type { DestinationPolicy, TextRule } from './policy.js';
export { REPEAT_WORDS, TEEN_WORDS, TENS_WORDS, UNIT_WORDS } from './lexicon.js';
