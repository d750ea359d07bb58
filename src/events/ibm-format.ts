/**
 * `format: ibm`: our (already gated) events rewritten as IBM Voice Gateway wrote its reporting
 * events, so dashboards, Splunk searches and Cloudant views built for the Voice Gateway read them
 * unchanged. Every event is a Splunk HEC envelope
 *
 *   { "time": <epoch seconds>, "host"?, "source"?, "sourcetype"?, "index": "cdr|transcription|conv", "event": { … } }
 *
 * with IBM's field names and units inside `event` (docs/events.md maps them field by field):
 *   cdr           ← our `cdr`: globalSessionID, sipFromURI, sipToURI, startTime, stopTime, callLength (ms),
 *                   endReason, failureOccurred, failureDetails, warnings, echoDetected, max*Transaction (ms)…
 *   transcription ← our `transcription`: the recogniser's result in Watson STT's shape
 *   conv          ← our `turn`: input.text, output.text, intents, entities, context.vgwSessionID
 * DTMF and transfer events have no Voice Gateway counterpart and are not sent in this format.
 *
 * Pure: the privacy gate ran before the outbox, so whatever a field holds here is what the policy
 * let out (numbers obfuscated in URI form, transcripts masked or absent).
 */
import type { CdrEvent, ReportEvent, TranscriptionEvent, TurnEvent } from './schemas.js';

export type IbmIndexKind = 'cdr' | 'transcription' | 'conv';
export const IBM_INDEX_KINDS: readonly IbmIndexKind[] = ['cdr', 'transcription', 'conv'];

export interface IbmFormatOptions {
  /** Index name per kind (IBM's defaults: cdr, transcription, conv). */
  indexes?: Partial<Record<IbmIndexKind, string>>;
  /** `sourcetype` per kind (IBM's `cdrEventSourceType`, …); left out when not set. */
  sourceTypes?: Partial<Record<IbmIndexKind, string>>;
  host?: string;
  source?: string;
  /** Which kinds this sink takes (a CouchDB/Cloudant database holds CDRs only, as IBM published them). */
  kinds?: readonly IbmIndexKind[];
}

export interface IbmEnvelope {
  time: number;
  host?: string;
  source?: string;
  sourcetype?: string;
  index: string;
  event: Record<string, unknown>;
}

const KIND_OF: Partial<Record<ReportEvent['type'], IbmIndexKind>> = { cdr: 'cdr', transcription: 'transcription', turn: 'conv' };

/** Epoch seconds with millisecond precision, as HEC's `time` takes it. */
function epochSeconds(iso: string): number {
  return Math.round(Date.parse(iso)) / 1000;
}

/** IBM's `endReason` values for how a call ended. */
const END_REASON: Record<CdrEvent['termination']['reason'], string> = {
  'caller-hangup': 'callerHangup',
  'gateway-hangup': 'vgwHangup',
  'dialog-hangup': 'conversationHangup',
  transferred: 'transferred',
  rejected: 'callRejected',
  cancelled: 'callerCancelled',
  'no-media': 'noMedia',
  'max-duration': 'maxCallDurationExceeded',
  error: 'failure',
  shutdown: 'vgwShutdown',
};

function cdrEvent(e: CdrEvent): Record<string, unknown> {
  const failures = [...(e.errors ?? [])];
  if (e.termination.reason === 'error' && failures.length === 0) failures.push('call failed');
  const out: Record<string, unknown> = {
    globalSessionID: e.callId,
    sessionID: e.callId,
    tenantID: e.applicationId,
    ...(e.sipCallId !== undefined ? { sipCallID: e.sipCallId } : {}),
    ...(e.sipFromUri !== undefined ? { sipFromURI: e.sipFromUri } : {}),
    ...(e.sipToUri !== undefined ? { sipToURI: e.sipToUri } : {}),
    startTime: e.startTime,
    ...(e.answerTime !== undefined ? { answerTime: e.answerTime } : {}),
    stopTime: e.endTime,
    callLength: e.durationMs,
    endReason: END_REASON[e.termination.reason],
    failureOccurred: failures.length > 0,
    failureDetails: failures,
    warningOccurred: e.warnings.length > 0,
    warnings: e.warnings,
    // We run no echo detector: nothing was detected.
    echoDetected: false,
    maxConvTransaction: e.maxResponseMs['dialog'] ?? 0,
    maxTTSTransaction: e.maxResponseMs['tts'] ?? 0,
    maxSTTTransaction: e.maxResponseMs['stt'] ?? 0,
    turnCount: e.turnCount,
    transferred: e.transfer?.outcome === 'succeeded',
    ...(e.transfer?.target !== undefined ? { transferTarget: e.transfer.target } : {}),
    ...(e.customData ? { customCDRData: e.customData } : {}),
  };
  return out;
}

function transcriptionEvent(e: TranscriptionEvent): Record<string, unknown> {
  const alternative: Record<string, unknown> = {};
  if (e.text !== undefined) alternative['transcript'] = e.text;
  if (e.confidence !== undefined) alternative['confidence'] = e.confidence;
  return {
    globalSessionID: e.callId,
    sessionID: e.callId,
    vgwSessionID: e.callId,
    tenantID: e.applicationId,
    utteranceNumber: e.utteranceNumber,
    result_index: 0,
    results: [{ final: true, alternatives: [alternative] }],
    ...(e.language ? { language: e.language } : {}),
  };
}

function convEvent(e: TurnEvent): Record<string, unknown> {
  const output: Record<string, unknown> = {};
  if (e.dialog.response.text !== undefined) output['text'] = [e.dialog.response.text];
  return {
    globalSessionID: e.callId,
    sessionID: e.callId,
    tenantID: e.applicationId,
    turn: e.turnNumber,
    input: e.dialog.request.text !== undefined ? { text: e.dialog.request.text } : {},
    output,
    intents: (e.dialog.response.intents ?? []).map((intent) => ({ intent })),
    // Entity values are caller data and are not reported (names only would mislead dashboards counting values).
    entities: [],
    context: { vgwSessionID: e.callId },
    ...(e.timings.dialogMs !== undefined ? { responseTime: e.timings.dialogMs } : {}),
    status: e.dialog.response.status,
  };
}

/** The IBM envelope for one gated event, or undefined when the format (or this sink) has no place for it. */
export function ibmEnvelope(event: ReportEvent, opts: IbmFormatOptions = {}): IbmEnvelope | undefined {
  const kind = KIND_OF[event.type];
  if (!kind || (opts.kinds && !opts.kinds.includes(kind))) return undefined;
  const index = opts.indexes?.[kind] ?? kind;
  const head = {
    time: epochSeconds(event.type === 'cdr' ? event.endTime : event.time),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.source !== undefined ? { source: opts.source } : {}),
    ...(opts.sourceTypes?.[kind] !== undefined ? { sourcetype: opts.sourceTypes[kind] } : {}),
    index,
  };
  switch (event.type) {
    case 'cdr':
      return { ...head, event: cdrEvent(event) };
    case 'transcription':
      return { ...head, event: transcriptionEvent(event) };
    case 'turn':
      return { ...head, event: convEvent(event) };
    default:
      return undefined;
  }
}
