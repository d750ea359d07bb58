/**
 * `hgActSensitive` (the call's sensitive switch, sensitive-state.ts) and `vgwActPauseRecording` /
 * `vgwActResumeRecording` (the call's recording, if its application records; otherwise nothing to do).
 */
import type { ActionHandler } from './types.js';

export const sensitive: ActionHandler<'hgActSensitive'> = async (p, ctx) => {
  // Off ends the switch whoever turned it on: the dialog says the secret part is over. The next
  // prompt that asks for a card number, code, PIN or account number turns it on again.
  if (p.on) ctx.call.sensitive.set('dialog');
  else ctx.call.sensitive.clearAll();
  return 'next';
};

export const pauseRecording: ActionHandler<'vgwActPauseRecording'> = async (_p, ctx) => {
  ctx.call.recording?.pause('dialog');
  return 'next';
};

export const resumeRecording: ActionHandler<'vgwActResumeRecording'> = async (_p, ctx) => {
  ctx.call.recording?.resume('dialog');
  return 'next';
};
