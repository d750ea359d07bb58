/**
 * The switch commands: pause/resume recognition and key presses, speech and DTMF barge-in,
 * recognition during playback, transcription reports, and `vgwActExcludeFromTTSCache` (read by the
 * turn loop before anything is spoken, so nothing is left to do when its turn comes).
 */
import type { ActionContext, ActionHandler, ActionResult, AgentFlags } from './types.js';

/** A handler for any parameter-less command: it takes no parameters, so it fits every such command. */
const set =
  (flag: keyof AgentFlags, value: boolean) =>
  async (_p: object, ctx: ActionContext): Promise<ActionResult> => {
    ctx.flags[flag] = value;
    return 'next';
  };

export const pauseDtmf = set('dtmfPaused', true);
export const unpauseDtmf = set('dtmfPaused', false);
export const disableSttDuringPlayback = set('sttDuringPlayback', false);
export const enableSttDuringPlayback = set('sttDuringPlayback', true);
export const enableSpeechBargeIn = set('speechBargeIn', true);
export const disableSpeechBargeIn = set('speechBargeIn', false);
export const enableDtmfBargeIn = set('dtmfBargeIn', true);
export const disableDtmfBargeIn = set('dtmfBargeIn', false);
export const enableTranscriptionReport = set('transcriptionReports', true);
export const disableTranscriptionReport = set('transcriptionReports', false);

export const pauseStt: ActionHandler<'vgwActPauseSTT'> = async (_p, ctx) => {
  ctx.flags.sttPaused = true;
  ctx.call.media.listening = false;
  return 'next';
};

export const unpauseStt: ActionHandler<'vgwActUnPauseSTT'> = async (_p, ctx) => {
  ctx.flags.sttPaused = false;
  ctx.call.media.listening = true;
  return 'next';
};

export const excludeFromTtsCache: ActionHandler<'vgwActExcludeFromTTSCache'> = async () => 'next';
