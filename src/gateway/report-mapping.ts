/**
 * CallEvents → report events (the forwarding schemas in src/events/schemas.ts), as plain functions
 * of the event, the call's facts and its running tally: `transcription`, `turn`, `transfer` and the
 * `cdr` at `call.ended`. Nothing here decides what may leave the call — every event returned still
 * goes through the privacy gate (report-gate.ts) before the outbox.
 */
import type { CallEvent } from '../call/index.js';
import type { ReportEventInput } from '../events/index.js';
import type { ApplicationConfig } from '../tenancy/index.js';
import { parseNameAddr } from '../sip/index.js';

export type AnyCallEvent = CallEvent & Record<string, unknown>;

/** The fields every report event of a call carries. */
export interface ReportBase {
  eventId: string;
  callId: string;
  accountId: string;
  applicationId: string;
  region: string;
  /** The gateway node that handled the call (`node.id`), when the process has one. */
  nodeId?: string;
  time: string;
}

/** What is fixed at `call.started`. */
export interface CallFacts {
  /** `outbound`: placed by the gateway through a trunk (POST /v1/calls). */
  direction?: 'inbound' | 'outbound';
  fromUser: string;
  toUser: string;
  /** The From/To URIs (no display name, no tag), for the CDR's `sipFromUri`/`sipToUri`. */
  fromUri?: string;
  toUri?: string;
  transport: 'udp' | 'tcp' | 'tls';
  mediaSecurity: 'rtp' | 'srtp';
  startedAt: number;
  language: string;
}

/** What the call's events add up to; the mapping functions below update it. */
export interface CallTally {
  turns: number;
  utterances: number;
  maxResponseMs: Record<string, number>;
  transfer?: { outcome: 'none' | 'succeeded' | 'failed' | 'timeout'; target?: string; sipStatus?: number };
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function reportBase(e: AnyCallEvent, eventId: string): ReportBase {
  return { eventId, callId: e.callId, accountId: e.accountId, applicationId: e.applicationId, region: e.region, time: iso(e.time) };
}

export function newTally(): CallTally {
  return { turns: 0, utterances: 0, maxResponseMs: {} };
}

/** A `transcription` event; also the transcript and a valid confidence, for training capture. */
export function transcriptionReport(e: AnyCallEvent, base: ReportBase, facts: CallFacts, tally: CallTally): { event: ReportEventInput; transcript: string; confidence?: number } {
  tally.utterances++;
  const transcript = String(e['transcript'] ?? '');
  const offset = Math.max(0, e.time - facts.startedAt);
  const confidence = typeof e['confidence'] === 'number' && e['confidence'] >= 0 && e['confidence'] <= 1 ? e['confidence'] : undefined;
  const event: ReportEventInput = {
    ...base, schemaVersion: 1, type: 'transcription', utteranceNumber: tally.utterances, text: transcript,
    confidence, language: facts.language, startOffsetMs: offset, endOffsetMs: offset,
  };
  return { event, transcript, confidence };
}

/** A `turn` event from `turn.completed`; `hadDtmf`: digits arrived during the turn. */
export function turnReport(e: AnyCallEvent, base: ReportBase, tally: CallTally, hadDtmf: boolean): ReportEventInput {
  tally.turns++;
  const num = (k: string) => (typeof e[k] === 'number' && (e[k] as number) >= 0 ? (e[k] as number) : undefined);
  const timings = { endpointMs: num('endpointingMs'), sttMs: num('sttMs'), dialogMs: num('dialogMs'), ttsMs: num('ttsFirstAudioMs'), firstAudioMs: num('totalToFirstAudioMs') };
  for (const [service, v] of [['stt', timings.sttMs], ['dialog', timings.dialogMs], ['tts', timings.ttsMs]] as const) {
    if (v !== undefined) tally.maxResponseMs[service] = Math.max(tally.maxResponseMs[service] ?? 0, v);
  }
  const error = e['error'];
  const turnNumber = typeof e['turn'] === 'number' && e['turn'] >= 1 ? e['turn'] : tally.turns;
  return {
    ...base, schemaVersion: 1, type: 'turn', turnNumber,
    timings: Object.fromEntries(Object.entries(timings).filter(([, v]) => v !== undefined)),
    input: turnNumber === 1 ? 'start' : timings.sttMs !== undefined ? 'speech' : hadDtmf ? 'dtmf' : 'event',
    dialog: {
      // The turn's words (under the events policy's transcript rule, like transcriptions): IBM's conversation events carry them.
      request: typeof e['inputText'] === 'string' ? { text: e['inputText'] } : {},
      response: {
        status: error === undefined ? 'ok' : error === 'timeout' ? 'timeout' : 'error',
        ...(typeof e['responseText'] === 'string' ? { text: e['responseText'] } : {}),
        ...(Array.isArray(e['intents']) ? { intents: (e['intents'] as unknown[]).filter((i): i is string => typeof i === 'string') } : {}),
      },
    },
    actions: [],
  };
}

/** A `transfer` event from `transfer.started|completed|failed`; the outcome is kept for the CDR. */
export function transferReport(e: AnyCallEvent, base: ReportBase, tally: CallTally): ReportEventInput {
  const target = typeof e['target'] === 'string' ? e['target'] : undefined;
  const type = e.type as string;
  const outcome = type === 'transfer.started' ? 'requested' : type === 'transfer.completed' ? 'succeeded' : /timed out/.test(String(e['reason'])) ? 'timeout' : 'failed';
  const status = /(\d{3})/.exec(String(e['result'] ?? e['reason'] ?? ''))?.[1];
  const sipStatus = status ? Number(status) : undefined;
  if (outcome !== 'requested') tally.transfer = { outcome, target, sipStatus };
  else tally.transfer ??= { outcome: 'none', target };
  return { ...base, schemaVersion: 1, type: 'transfer', method: e['method'] === 'INVITE' ? 'invite' : 'refer', target, outcome, sipStatus };
}

/** The `cdr` event from `call.ended`. */
export function cdrReport(e: AnyCallEvent, base: ReportBase, facts: CallFacts, tally: CallTally): ReportEventInput {
  const ended = e as Extract<CallEvent, { type: 'call.ended' }> & Record<string, unknown>;
  const m = ended.media;
  const received = m?.packetsReceived ?? 0;
  const lost = m?.lost ?? 0;
  const end = { ...endOf(ended.endReason), ...(typeof ended.sipStatus === 'number' ? { sipStatus: ended.sipStatus } : {}) };
  const outcome = facts.direction !== 'outbound' ? undefined : ended.answeredAt !== undefined ? 'answered' : (['busy', 'no-answer', 'cancelled'] as const).find((r) => r === ended.endReason) ?? 'failed';
  return {
    ...base, time: iso(ended.endedAt), schemaVersion: 1, type: 'cdr', direction: facts.direction, ...(outcome ? { outcome } : {}),
    caller: facts.fromUser || undefined, callee: facts.toUser || undefined,
    sipFromUri: facts.fromUri || undefined, sipToUri: facts.toUri || undefined,
    startTime: iso(ended.startedAt), answerTime: ended.answeredAt !== undefined ? iso(ended.answeredAt) : undefined, endTime: iso(ended.endedAt),
    durationMs: ended.answeredAt !== undefined ? Math.max(0, ended.endedAt - ended.answeredAt) : 0,
    termination: tally.transfer?.outcome === 'succeeded' ? { reason: 'transferred', endedBy: 'transfer-target' } : end,
    transfer: tally.transfer ? { attempted: true, ...tally.transfer } : undefined,
    turnCount: tally.turns,
    media: { codec: m?.codec ?? 'none', transport: facts.transport, mediaSecurity: facts.mediaSecurity },
    maxResponseMs: tally.maxResponseMs,
    customData: primitiveFields(ended.customCdr),
    sensitive: ended.sensitive?.length ? ended.sensitive.map((i) => ({ from: iso(i.from), to: i.to !== undefined ? iso(i.to) : undefined, reasons: i.reasons, withheldWords: i.words, withheldDigits: i.digits })) : undefined,
    recording: ended.recording ? { consent: ended.recording.consent, outcome: ended.recording.outcome, recorded: ended.recording.recorded, recordingId: ended.recording.recordingId, pauses: ended.recording.pauses } : undefined,
    errors: ended.endReason === 'no-sdp-answer' || ended.endReason === 'sdp-answer-refused' ? [ended.endReason] : undefined,
    // Inbound only: the call layer measures what it receives; no RTCP report of the far end is surfaced yet.
    rtp: m ? { inbound: { packets: received, packetsLost: lost, lossRate: received + lost > 0 ? Math.max(0, lost) / (received + Math.max(0, lost)) : 0, jitterMs: Math.max(0, m.jitterMs), mos: m.mos >= 1 && m.mos <= 5 ? m.mos : undefined } } : {},
  };
}

/** The URI user part of a From/To header value (`"Bob" <sip:+44…@host>;tag=x` → `+44…`). */
export function headerUser(header: string): string {
  const na = parseNameAddr(header);
  if (na.ok) return na.value.uri.user ?? '';
  return header.trim().replace(/^.*?</, '').replace(/^(?:sips?|tel):/i, '').replace(/[@;>].*$/, '');
}

function endOf(reason: string): { reason: 'caller-hangup' | 'gateway-hangup' | 'dialog-hangup' | 'cancelled' | 'rejected' | 'max-duration' | 'error' | 'shutdown'; endedBy: 'caller' | 'gateway' | 'network' } {
  switch (reason) {
    case 'remote-bye': return { reason: 'caller-hangup', endedBy: 'caller' };
    case 'local-bye': case 'hold-complete': return { reason: 'gateway-hangup', endedBy: 'gateway' };
    case 'cancelled': return { reason: 'cancelled', endedBy: 'caller' };
    // Outbound calls the far end did not answer.
    case 'busy': return { reason: 'rejected', endedBy: 'network' };
    case 'no-answer': return { reason: 'cancelled', endedBy: 'gateway' };
    case 'failed': return { reason: 'error', endedBy: 'network' };
    case 'rejected': return { reason: 'rejected', endedBy: 'gateway' };
    case 'max-duration': return { reason: 'max-duration', endedBy: 'gateway' };
    case 'shutdown': return { reason: 'shutdown', endedBy: 'gateway' };
    // Late offer: the ACK brought no answer, or one the application's policy refuses (e.g. RTP/AVP under secureMedia: required).
    case 'no-sdp-answer': case 'sdp-answer-refused': return { reason: 'error', endedBy: 'gateway' };
    // The call's media worker died (config media.workers): the gateway ended it.
    case 'media-failed': return { reason: 'error', endedBy: 'gateway' };
    default: return { reason: 'error', endedBy: 'network' }; // ack-timeout, session-expired, transport-error
  }
}

export function languageOf(app: ApplicationConfig): string {
  const s = app.speech as unknown as { language?: unknown; stt?: { language?: unknown } };
  const l = s.stt?.language ?? s.language;
  return typeof l === 'string' && l ? l : 'en-US';
}

/** Custom CDR data as the CDR schema takes it: string, number and boolean fields (objects are JSON-encoded). */
function primitiveFields(data: Record<string, unknown> | undefined): Record<string, string | number | boolean> | undefined {
  if (!data) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (v !== undefined && v !== null) out[k] = JSON.stringify(v);
  }
  return Object.keys(out).length ? out : undefined;
}
