/** `vgwActCollectDTMF`: the parameters become a collection spec; the session's DtmfCollector runs it. */
import type { ActionOf } from '../../dialog/index.js';
import type { CollectSpec } from '../dtmf-collector.js';
import type { ActionHandler } from './types.js';

export const DEFAULT_INTER_DIGIT_MS = 5000;

export function collectSpec(p: ActionOf<'vgwActCollectDTMF'>['parameters']): CollectSpec {
  return {
    termKey: p.dtmfTermKey,
    min: p.dtmfCount ?? p.dtmfMinCount ?? 1,
    max: p.dtmfCount ?? p.dtmfMaxCount ?? (p.dtmfTermKey ? 64 : 1),
    interDigitMs: p.dtmfInterDigitTimeoutCount ?? DEFAULT_INTER_DIGIT_MS,
    ignoreSpeech: p.dtmfIgnoreSpeech ?? false,
  };
}

export const collectDtmf: ActionHandler<'vgwActCollectDTMF'> = async (p, ctx) => {
  ctx.collectDigits(collectSpec(p));
  return 'next';
};
