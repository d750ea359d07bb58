/** `vgwActPlayText` (its own text, or the response's text once) and `vgwActPlayUrl`. */
import type { ActionHandler } from './types.js';

export const playText: ActionHandler<'vgwActPlayText'> = async (p, ctx) => {
  const text = p.text?.length ? p.text.join(' ') : ctx.takeResponseText();
  if (text) await ctx.speak(text);
  return 'next';
};

export const playUrl: ActionHandler<'vgwActPlayUrl'> = async (p, ctx) => {
  await ctx.play({ kind: 'url', url: p.url });
  return 'next';
};
