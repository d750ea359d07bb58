/** `vgwActAddCustomCDRData`: fields merged into the call's CDR (the privacy gate decides what leaves). */
import type { ActionHandler } from './types.js';

export const addCustomCdrData: ActionHandler<'vgwActAddCustomCDRData'> = async (p, ctx) => {
  ctx.call.addCustomCdr(p);
  return 'next';
};
