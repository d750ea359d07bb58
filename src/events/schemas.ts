/**
 * Event schemas (zod) for everything the gateway reports about a call: the call detail record,
 * conversation turns, final transcriptions, DTMF and transfers. One schema, three uses: it
 * validates an event before it enters the outbox, types the producers, and generates the JSON
 * Schema files in `docs/events/` (see `json-schema.ts`).
 *
 * Versioning: every event carries `schemaVersion` (an integer per event type). Adding an optional
 * field keeps the version; renaming, removing or changing the meaning of a field bumps it.
 * `eventId` is a UUID chosen once when the event is built; it is also the sink document id
 * (CouchDB `_id`), which is what makes redelivery idempotent.
 *
 * Text that may carry caller content (utterances, dialog text, DTMF digits, phone numbers,
 * custom CDR data) is optional everywhere: the privacy gate removes or obfuscates it and lists
 * what it touched in `redactions` (JSON paths), so consumers can tell "absent" from "removed".
 */
import { z } from 'zod';
import type { Result } from '../result/index.js';

export const EVENT_SCHEMA_VERSIONS = { cdr: 1, turn: 1, transcription: 1, dtmf: 1, transfer: 1 } as const;
export type EventType = keyof typeof EVENT_SCHEMA_VERSIONS;
export const EVENT_TYPES = Object.keys(EVENT_SCHEMA_VERSIONS) as EventType[];

const isoTime = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
const nonNegInt = z.number().int().min(0);
const ms = z.number().min(0).describe('milliseconds');

/** A keyed HMAC-SHA256 of a number, hex: what erasure finds a caller's data by. */
const pseudonym = z.string().regex(/^[0-9a-f]{64}$/, 'must be a 64-character hex HMAC');

/** Fields every event has. */
const envelope = {
  eventId: z.uuid().describe('UUID of this event; also the sink document id (idempotent redelivery)'),
  callId: z.string().min(1).describe('Gateway call (session) id'),
  accountId: z.string().min(1),
  applicationId: z.string().min(1),
  region: z.string().min(1).describe('Region whose outbox holds the event'),
  nodeId: z.string().min(1).optional().describe('The gateway node (`node.id`) that handled the call'),
  time: isoTime.describe('When the event happened'),
  redactions: z.array(z.string()).optional().describe('JSON paths the privacy gate removed or obfuscated'),
  callerPseudonym: pseudonym
    .optional()
    .describe("The caller's keyed pseudonym: hex HMAC-SHA256 of the E.164 number under the account's secret (never the number). Set by the outbox, absent for anonymous callers; sinks erase by it"),
};

export const rtpStreamStatsSchema = z
  .object({
    packets: nonNegInt.describe('RTP packets sent (outbound) or received (inbound)'),
    packetsLost: z.number().int().describe('Cumulative packets lost as reported by RTCP (may be negative on duplicates)'),
    lossRate: z.number().min(0).max(1).describe('Fraction lost, 0..1'),
    jitterMs: ms.describe('Interarrival jitter from RTCP, in milliseconds'),
    rttMs: ms.optional().describe('Round-trip time from RTCP SR/RR, when known'),
    mos: z.number().min(1).max(5).optional().describe('Estimated MOS (simplified ITU-T G.107 E-model), 1..5'),
  })
  .describe('RTP statistics for one direction, from RTCP');

export const cdrEventSchema = z
  .object({
    schemaVersion: z.literal(EVENT_SCHEMA_VERSIONS.cdr),
    type: z.literal('cdr'),
    ...envelope,
    sipCallId: z.string().optional().describe('SIP Call-ID of the inbound dialog'),
    direction: z.enum(['inbound', 'outbound']).optional().describe('outbound: placed by the gateway through a trunk (POST /v1/calls); absent on older records (inbound)'),
    outcome: z
      .enum(['answered', 'busy', 'no-answer', 'failed', 'cancelled'])
      .optional()
      .describe('Outbound calls: how the far end answered (the final SIP status is termination.sipStatus)'),
    caller: z.string().optional().describe('Calling number (From / P-Asserted-Identity); obfuscated by default'),
    callee: z.string().optional().describe('Called number (To / request URI); obfuscated by default'),
    sipFromUri: z.string().optional().describe('The From URI (sip:user@host), the user part under the caller rule: obfuscated by default, still a URI'),
    sipToUri: z.string().optional().describe('The To URI, the user part under the callee rule'),
    startTime: isoTime.describe('INVITE received'),
    answerTime: isoTime.optional().describe('200 OK sent; absent if never answered'),
    endTime: isoTime,
    durationMs: ms.describe('endTime - answerTime (0 when not answered)'),
    termination: z.object({
      reason: z.enum(['caller-hangup', 'gateway-hangup', 'dialog-hangup', 'transferred', 'rejected', 'cancelled', 'no-media', 'max-duration', 'error', 'shutdown']),
      endedBy: z.enum(['caller', 'gateway', 'dialog', 'transfer-target', 'network']).describe('Which side ended the call'),
      sipStatus: z.number().int().min(100).max(699).optional().describe('Final SIP status when the call was rejected or failed'),
    }),
    transfer: z
      .object({
        attempted: z.boolean(),
        outcome: z.enum(['none', 'succeeded', 'failed', 'timeout']),
        target: z.string().optional().describe('Transfer target; obfuscated by default'),
        sipStatus: z.number().int().optional(),
      })
      .optional(),
    turnCount: nonNegInt,
    media: z.object({
      codec: z.string().describe('Negotiated audio codec, e.g. PCMU/8000'),
      transport: z.enum(['udp', 'tcp', 'tls']).describe('SIP transport of the call'),
      mediaSecurity: z.enum(['rtp', 'srtp']),
    }),
    maxResponseMs: z.record(z.string(), ms).describe('Per service (stt, tts, dialog, ...), the longest response time in the call'),
    rtp: z.object({ inbound: rtpStreamStatsSchema.optional(), outbound: rtpStreamStatsSchema.optional() }),
    warnings: z.array(z.string()).default([]),
    errors: z.array(z.string()).default([]),
    customData: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('Fields added by the dialog with vgwActAddCustomCDRData (subject to the privacy gate)'),
    sensitive: z
      .array(z.object({
        from: isoTime, to: isoTime.optional(),
        reasons: z.array(z.string()).describe('dialog (hgActSensitive, or a local flow step), or expected:<TYPE> (the prompt asked for a card number, code, PIN or account)'),
        withheldWords: nonNegInt, withheldDigits: nonNegInt,
      }))
      .optional()
      .describe('When the sensitive switch was on and why; counts of what was withheld, never what was said'),
    recording: z
      .object({
        consent: z.enum(['none', 'announce', 'explicit']),
        outcome: z.string().describe('not-required, announced, agreed, announcement-cut, refused, caller-hung-up'),
        recorded: z.boolean(),
        recordingId: z.string().optional(),
        pauses: z.array(z.object({ fromMs: ms, toMs: ms.optional(), reasons: z.array(z.string()) })),
      })
      .optional()
      .describe('The call recording: consent outcome and pauses (silent spans)'),
  })
  .describe('Call detail record: one per call, emitted when the call ends');

export const turnEventSchema = z
  .object({
    schemaVersion: z.literal(EVENT_SCHEMA_VERSIONS.turn),
    type: z.literal('turn'),
    ...envelope,
    turnNumber: z.number().int().min(1),
    timings: z
      .object({
        endpointMs: ms.optional().describe('End of speech detected → STT final result'),
        sttMs: ms.optional().describe('STT request → final result'),
        dialogMs: ms.optional().describe('Dialog request → response'),
        ttsMs: ms.optional().describe('TTS request → first audio'),
        firstAudioMs: ms.optional().describe('End of caller speech → first prompt audio played'),
        totalMs: ms.optional(),
      })
      .describe('Per-stage timings of the turn'),
    input: z.enum(['start', 'speech', 'dtmf', 'no-input', 'event']).describe('What started the turn'),
    stt: z
      .object({
        text: z.string().optional().describe('Final transcript; dropped by default'),
        confidence: z.number().min(0).max(1).optional(),
        language: z.string().optional(),
        alternatives: nonNegInt.optional().describe('Number of alternatives returned'),
      })
      .optional(),
    dialog: z.object({
      provider: z.string().optional(),
      request: z.object({ text: z.string().optional(), stateKeys: z.array(z.string()).optional().describe('Names (not values) of the state variables sent') }),
      response: z.object({ text: z.string().optional(), intents: z.array(z.string()).optional(), status: z.enum(['ok', 'error', 'timeout']) }),
    }),
    actions: z.array(z.object({ command: z.string(), ok: z.boolean(), error: z.string().optional() })).describe('Action commands carried out (vgwAct...)'),
  })
  .describe('Conversation turn: one per dialog exchange');

export const transcriptionEventSchema = z
  .object({
    schemaVersion: z.literal(EVENT_SCHEMA_VERSIONS.transcription),
    type: z.literal('transcription'),
    ...envelope,
    utteranceNumber: z.number().int().min(1),
    text: z.string().optional().describe('Final transcript; dropped by default'),
    confidence: z.number().min(0).max(1).optional(),
    language: z.string().optional(),
    startOffsetMs: ms.describe('Utterance start, from call answer'),
    endOffsetMs: ms,
    engine: z.string().optional(),
  })
  .describe('Final transcription result of one caller utterance (only while transcription reporting is enabled)');

export const dtmfEventSchema = z
  .object({
    schemaVersion: z.literal(EVENT_SCHEMA_VERSIONS.dtmf),
    type: z.literal('dtmf'),
    ...envelope,
    digits: z.string().regex(/^[0-9A-D*#]*$/).optional().describe('Digits collected; dropped by default (may be PCI)'),
    digitCount: nonNegInt,
    method: z.enum(['rfc4733', 'sip-info', 'inband']),
    collection: z.enum(['single', 'collect', 'barge-in']).optional().describe('How the digits were gathered'),
  })
  .describe('DTMF digits received from the caller');

export const transferEventSchema = z
  .object({
    schemaVersion: z.literal(EVENT_SCHEMA_VERSIONS.transfer),
    type: z.literal('transfer'),
    ...envelope,
    method: z.enum(['refer', 'invite']).describe('SIP REFER (blind) or re-INVITE/bridge'),
    target: z.string().optional().describe('Transfer target; obfuscated by default'),
    outcome: z.enum(['requested', 'accepted', 'succeeded', 'failed', 'timeout']),
    sipStatus: z.number().int().optional(),
  })
  .describe('Transfer attempt and its outcome');

export const callEventSchema = z.discriminatedUnion('type', [cdrEventSchema, turnEventSchema, transcriptionEventSchema, dtmfEventSchema, transferEventSchema]);

export type CdrEvent = z.infer<typeof cdrEventSchema>;
export type TurnEvent = z.infer<typeof turnEventSchema>;
export type TranscriptionEvent = z.infer<typeof transcriptionEventSchema>;
export type DtmfEvent = z.infer<typeof dtmfEventSchema>;
export type TransferEvent = z.infer<typeof transferEventSchema>;
export type ReportEvent = z.infer<typeof callEventSchema>;
/** What producers hand in (defaults such as `warnings: []` may be omitted). */
export type ReportEventInput = z.input<typeof callEventSchema>;

export const eventSchemasByType = {
  cdr: cdrEventSchema,
  turn: turnEventSchema,
  transcription: transcriptionEventSchema,
  dtmf: dtmfEventSchema,
  transfer: transferEventSchema,
} as const;

/**
 * The erasure notice a webhook sink receives (in the usual signed `{"events":[…]}` body) when a caller
 * whose events it already received is erased: the receiver deletes what it holds for `callerPseudonym`.
 * Not a call event: it is never appended by producers, only by erasure.
 */
export const ERASURE_NOTICE_VERSION = 1;
export const erasureNoticeSchema = z
  .object({
    schemaVersion: z.literal(ERASURE_NOTICE_VERSION),
    type: z.literal('erasure'),
    eventId: z.uuid().describe('UUID of this notice (de-duplicate by it)'),
    requestId: z.string().min(1).describe('The erasure request id (as on the erasure receipt)'),
    accountId: z.string().min(1),
    applicationId: z.string().min(1),
    region: z.string().min(1).describe('Region whose outbox sent the notice'),
    time: isoTime.describe('When the erasure ran'),
    callerPseudonym: pseudonym.describe("The erased caller's keyed pseudonym, as carried by the events sent before (callerPseudonym)"),
  })
  .describe('Erasure notice: delete every event of this caller pseudonym received from this application');
export type ErasureNotice = z.infer<typeof erasureNoticeSchema>;


/** Validates an event; errors are values (`{ ok: false, error }`) naming the first bad field. */
export function parseReportEvent(input: unknown): Result<ReportEvent> {
  const r = callEventSchema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  return { ok: false, error: issue ? `${issue.path.join('.') || '(event)'}: ${issue.message}` : 'invalid event' };
}
