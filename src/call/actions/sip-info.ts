/**
 * `vgwActSendSIPInfo` (an INFO with the dialog's body and headers) and `vgwActSendDTMF` (RFC 4733
 * events, or SIP INFO `application/dtmf-relay` when no telephone-event was negotiated), one digit
 * after another at the requested pace; a call that ends stops the sending.
 */
import { buildSipInfoDtmf } from '../../media/index.js';
import { pause } from '../timing.js';
import type { ActionHandler } from './types.js';

export const DEFAULT_TONE_MS = 100;
export const DEFAULT_GAP_MS = 100;
/** Slack after each tone so the far end's detector has finished with it before the next. */
const TONE_SLACK_MS = 60;

export const sendSipInfo: ActionHandler<'vgwActSendSIPInfo'> = async (p, ctx) => {
  await ctx.call.sendInfo({
    headers: (p.headers ?? []).map((h) => [h.name, h.value] as [string, string]),
    body: p.body === undefined ? undefined : typeof p.body === 'string' ? p.body : JSON.stringify(p.body),
    contentType: p.contentType ?? (typeof p.body === 'object' ? 'application/json' : 'text/plain'),
  });
  return 'next';
};

export const sendDtmf: ActionHandler<'vgwActSendDTMF'> = async (p, ctx) => {
  const toneMs = p.durationMs ?? DEFAULT_TONE_MS;
  for (const d of p.digits) {
    if (ctx.signal.aborted) break;
    if (!ctx.call.media.sendDtmf(d, toneMs)) {
      const info = buildSipInfoDtmf(d, toneMs, 'dtmf-relay');
      if (info.ok) await ctx.call.sendInfo({ body: info.value.body, contentType: info.value.contentType });
    }
    await pause(ctx.clock, toneMs + (p.gapMs ?? DEFAULT_GAP_MS) + TONE_SLACK_MS, ctx.signal);
  }
  return 'next';
};
