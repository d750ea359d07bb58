/**
 * `vgwActStartStream`, `vgwActStopStream`: the application's media stream to a bot, started and
 * stopped by the dialog mid-call (docs/stream.md). A stream that cannot start is reported in the
 * log and the turn goes on.
 */
import type { ActionHandler } from './types.js';

export const startStream: ActionHandler<'vgwActStartStream'> = async (p, ctx) => {
  const error = ctx.call.startStream(p.parameters ?? {});
  if (error) ctx.log.warn({ error }, 'vgwActStartStream: stream not started');
  return 'next';
};

export const stopStream: ActionHandler<'vgwActStopStream'> = async (_p, ctx) => {
  ctx.call.stopStream();
  return 'next';
};
