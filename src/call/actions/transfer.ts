/**
 * `vgwActTransfer`: blind transfer by REFER (src/sip/refer.ts; the gateway hangs up once the
 * transferee reports success) or by HANGUP (BYE carrying the target in a header for the SBC). A
 * transfer that fails is announced (`vgwTransferFailedMessage`) and the dialog gets a
 * `vgwCallTransferFailed` turn, or the call ends if `vgwDisconnectCallOnTransferFailure` says so.
 */
import { SPECIAL_INPUTS } from '../../dialog/index.js';
import type { ActionContext, ActionHandler, ActionResult } from './types.js';

export const DEFAULT_TRANSFER_FAILED_MESSAGE = 'Sorry, the transfer did not go through.';

export const transfer: ActionHandler<'vgwActTransfer'> = async (p, ctx) => {
  const target = p.transferTarget ?? ctx.settings.vgwTransferTarget;
  if (!target) return transferFailed(ctx, 'no transfer target');
  const headers: [string, string][] = (p.transferHeaders ?? []).map((h) => [h.name, h.value]);
  if (p.uuiData) headers.push(['User-to-User', `${p.uuiData};encoding=hex`]);
  ctx.call.emit({ type: 'transfer.started', target, method: p.transferMethod ?? 'REFER' });
  if (p.transferMethod === 'HANGUP') {
    headers.push([p.transferTargetHeader ?? 'Transfer-Target', `<${target}>`]);
    await ctx.call.hangup('local-bye', headers);
    ctx.call.emit({ type: 'transfer.completed', target, method: 'HANGUP' });
    return 'stop';
  }
  const outcome = await ctx.call.transfer({ target, headers, acceptCodes: p.acceptTransferRejectCodes, signal: ctx.signal });
  if (ctx.signal.aborted) return 'stop';
  if (outcome.ok) {
    ctx.call.emit({ type: 'transfer.completed', target, method: 'REFER', result: outcome.reason });
    await ctx.call.hangup('local-bye');
    return 'stop';
  }
  return transferFailed(ctx, outcome.reason, target);
};

async function transferFailed(ctx: ActionContext, reason: string, target?: string): Promise<ActionResult> {
  ctx.call.emit({ type: 'transfer.failed', target, reason });
  // The reason may name the target (a URI with a number in it): not in the log.
  ctx.log.info({ reason: reason.replace(/sips?:\S+/g, '[URI]') }, 'transfer failed');
  await ctx.say(ctx.settings.vgwTransferFailedMessage ?? DEFAULT_TRANSFER_FAILED_MESSAGE);
  if (ctx.settings.vgwDisconnectCallOnTransferFailure) {
    await ctx.call.hangup('local-bye');
    return 'stop';
  }
  ctx.scheduleTurn({ text: SPECIAL_INPUTS.callTransferFailed }, { callTransferFailed: true, transferReason: reason });
  return 'stop';
}
