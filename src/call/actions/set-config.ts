/** `vgwActSetSTTConfig`, `vgwActSetTTSConfig`, `vgwActSetConversationConfig`: change the call's services (call-services.ts). */
import type { ActionHandler } from './types.js';

export const setSttConfig: ActionHandler<'vgwActSetSTTConfig'> = async (p, ctx) => {
  ctx.services.setStt(p);
  const ignored = ctx.services.appStt.engine === 'embedded' ? Object.keys(p.config).filter((k) => k !== 'language') : [];
  if (ignored.length) ctx.log.warn({ command: 'vgwActSetSTTConfig', ignored }, 'the embedded recogniser has no such settings; ignored');
  return 'next';
};

export const setTtsConfig: ActionHandler<'vgwActSetTTSConfig'> = async (p, ctx) => {
  ctx.services.setTts(p, ctx.turn);
  if (p.credentials) ctx.log.warn({ command: 'vgwActSetTTSConfig' }, 'TTS credentials cannot change mid-call; the voice and cache settings apply');
  return 'next';
};

export const setConversationConfig: ActionHandler<'vgwActSetConversationConfig'> = async (p, ctx) => {
  ctx.services.setDialog(p);
  return 'next';
};
