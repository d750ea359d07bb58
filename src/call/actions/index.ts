/**
 * The action table: one handler per command of the dialog's vocabulary (src/dialog/actions.ts),
 * grouped by family in this directory, and `runAction`, the one place the turn loop calls.
 */
import type { ActionCommand, ActionName, ActionOf } from '../../dialog/index.js';
import type { ActionContext, ActionHandler, ActionResult, ActionTable } from './types.js';
import { playText, playUrl } from './play.js';
import { hangup, forceNoInputTurn } from './hang-up.js';
import { transfer } from './transfer.js';
import { collectDtmf } from './collect-dtmf.js';
import * as t from './toggles.js';
import { setSttConfig, setTtsConfig, setConversationConfig } from './set-config.js';
import { sendSipInfo, sendDtmf } from './sip-info.js';
import { addCustomCdrData } from './custom-cdr.js';
import { sensitive, pauseRecording, resumeRecording } from './sensitive.js';
import { startStream, stopStream } from './stream.js';

export type { ActionContext, ActionResult, AgentFlags } from './types.js';

export const ACTION_HANDLERS: ActionTable = {
  vgwActPlayText: playText,
  vgwActPlayUrl: playUrl,
  vgwActHangup: hangup,
  vgwActTransfer: transfer,
  vgwActCollectDTMF: collectDtmf,
  vgwActPauseDTMF: t.pauseDtmf,
  vgwActUnPauseDTMF: t.unpauseDtmf,
  vgwActExcludeFromTTSCache: t.excludeFromTtsCache,
  vgwActSetSTTConfig: setSttConfig,
  vgwActSetTTSConfig: setTtsConfig,
  vgwActSetConversationConfig: setConversationConfig,
  vgwActPauseSTT: t.pauseStt,
  vgwActUnPauseSTT: t.unpauseStt,
  vgwActDisableSTTDuringPlayback: t.disableSttDuringPlayback,
  vgwActEnableSTTDuringPlayback: t.enableSttDuringPlayback,
  vgwActEnableSpeechBargeIn: t.enableSpeechBargeIn,
  vgwActDisableSpeechBargeIn: t.disableSpeechBargeIn,
  vgwActEnableDTMFBargeIn: t.enableDtmfBargeIn,
  vgwActDisableDTMFBargeIn: t.disableDtmfBargeIn,
  vgwActForceNoInputTurn: forceNoInputTurn,
  vgwActSendSIPInfo: sendSipInfo,
  vgwActSendDTMF: sendDtmf,
  vgwActEnableTranscriptionReport: t.enableTranscriptionReport,
  vgwActDisableTranscriptionReport: t.disableTranscriptionReport,
  vgwActAddCustomCDRData: addCustomCdrData,
  hgActSensitive: sensitive,
  vgwActPauseRecording: pauseRecording,
  vgwActResumeRecording: resumeRecording,
  vgwActStartStream: startStream,
  vgwActStopStream: stopStream,
};

/** Carry out one action. */
export function runAction(a: ActionCommand, ctx: ActionContext): Promise<ActionResult> {
  // The table pairs each name with its handler; TypeScript cannot follow that through a union.
  const handler = ACTION_HANDLERS[a.command] as ActionHandler<ActionName>;
  return handler(a.parameters as ActionOf<ActionName>['parameters'], ctx);
}
