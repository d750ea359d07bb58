/** `vgwActHangup` and `vgwActForceNoInputTurn`: the two commands that end the turn on the spot. */
import { SPECIAL_INPUTS } from '../../dialog/index.js';
import type { ActionHandler } from './types.js';

export const hangup: ActionHandler<'vgwActHangup'> = async (_p, ctx) => {
  ctx.nextTurnState({ hangupReason: 'dialog' });
  await ctx.call.hangup('local-bye');
  return 'stop';
};

/** The dialog asks for a `vgwNoInputTurn` turn now, as if the caller had said nothing. */
export const forceNoInputTurn: ActionHandler<'vgwActForceNoInputTurn'> = async (_p, ctx) => {
  ctx.scheduleNoInputTurn(SPECIAL_INPUTS.noInputTurn);
  return 'stop';
};
