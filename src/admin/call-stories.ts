/**
 * Call stories: what the operator console shows of a live or recent call — a timeline of its turns
 * (the caller's words as the application's privacy policy lets an operator read them), DTMF key
 * counts (never the keys), transfers, errors, and its media quality.
 *
 * The operator is the `logs` destination of the privacy policy (the people who run the gateway):
 * every transcript passes `applyPolicy('logs', …)` with the call's own detection context (its
 * numbers, what the agent asked for, digits across turns) *before* it is kept, so nothing raw is ever
 * held here. Numbers are never shown in clear, whatever the rule says: `allow` still obfuscates
 * (the admin API's promise), `drop` shows nothing. DTMF digits are never kept at all, only counts.
 *
 * Memory only (nothing written to disk), bounded: live calls plus the latest `keepEnded` ended ones.
 * It is an erasure participant: a caller's stories are forgotten when they are erased (matched by
 * their keyed pseudonym, the only per-caller key held), and the receipt counts them (`callStories`).
 */
import type { EventEmitter } from 'node:events';
import type { CallEvent, MediaStatsSnapshot } from '../call/index.js';
import type { TurnPrivacy } from '../privacy/index.js';
import type { CallNumbers } from '../privacy/index.js';
import { prepareCallNumbers, normalizeE164, obfuscatePhone } from '../privacy/index.js';
import { applyPolicy, parsePrivacyPolicyOnce, DEFAULT_PRIVACY_POLICY, type PrivacyPolicy } from '../privacy/index.js';
import type { AccountConfig } from '../tenancy/index.js';
import { detect } from '../privacy/index.js';
import { parseNameAddr } from '../sip/index.js';
import type { ErasureParticipant } from '../training/index.js';
import { pseudonymOf } from '../training/index.js';

export type StoryEntry =
  | { kind: 'started'; at: string; offsetMs: number }
  | { kind: 'caller'; at: string; offsetMs: number; turn: number; text: string | null; confidence?: number; redacted: string[] }
  | { kind: 'turn'; at: string; offsetMs: number; turn: number; timings: Record<string, number>; responses?: number; error?: string }
  | { kind: 'dtmf'; at: string; offsetMs: number; keys: number }
  | { kind: 'transfer'; at: string; offsetMs: number; outcome: 'requested' | 'succeeded' | 'failed'; target: string | null }
  | { kind: 'ended'; at: string; offsetMs: number; reason: string };

export interface MediaQuality {
  codec: string | null;
  packetsReceived: number;
  packetsLost: number;
  lossRatio: number;
  jitterMs: number;
  mos: number | null;
}

export interface CallStory {
  callId: string;
  accountId: string;
  applicationId: string;
  from: string;
  to: string;
  state: 'live' | 'ended';
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  turns: number;
  dtmfKeys: number;
  transfers: number;
  redactedSpans: number;
  media: MediaQuality | null;
  timeline: StoryEntry[];
}

interface Held {
  story: CallStory;
  startedMs: number;
  /** The caller's keyed pseudonym (erasure index), resolved asynchronously; never the number. */
  pseudonym: Promise<string | undefined>;
  callNumbers: CallNumbers;
  turnPrivacy: TurnPrivacy;
}

export interface CallStoriesOptions {
  calls: EventEmitter<{ event: [CallEvent] }>;
  /** The application's privacy policy (current settings); undefined when unknown → the default, closed one. */
  policyOf: (accountId: string, applicationId: string) => PrivacyPolicy;
  pseudonymSecret: (accountId: string) => Promise<Buffer>;
  defaultCountry: string;
  keepEnded?: number;
  /** Told the entity types redacted from each transcript for the operator (the redaction metric). */
  onRedacted?: (types: readonly string[]) => void;
}

export function mediaQuality(m: MediaStatsSnapshot | undefined): MediaQuality | null {
  if (!m) return null;
  const lost = Math.max(0, m.lost);
  const expected = m.packetsReceived + lost;
  return {
    codec: m.codec ?? null, packetsReceived: m.packetsReceived, packetsLost: lost,
    lossRatio: expected > 0 ? lost / expected : 0, jitterMs: Math.max(0, m.jitterMs), mos: m.mos >= 1 && m.mos <= 5 ? m.mos : null,
  };
}

/** An application's current policy; an unknown application or an unreadable policy → the default (closed) one. */
export function policyOfApplication(accounts: readonly AccountConfig[], accountId: string, applicationId: string): PrivacyPolicy {
  const app = accounts.find((a) => a.id === accountId)?.applications.find((p) => p.id === applicationId);
  const parsed = app ? parsePrivacyPolicyOnce(app.privacy) : undefined;
  return parsed?.ok ? parsed.policy : DEFAULT_PRIVACY_POLICY;
}

/** A number as an operator may see it: obfuscated at most, never in clear; dropped → ''. */
function operatorNumber(user: string, rule: PrivacyPolicy['logs']['from'], country: string): string {
  if (rule === 'drop') return '';
  if (typeof rule === 'object' && rule.redact === 'mask') return '[PHONE]';
  if (!user) return '[REDACTED]';
  return obfuscatePhone(normalizeE164(user, country) ?? user);
}

/** The URI user part of a From/To header value (`"Bob" <sip:+44…@host>;tag=x` → `+44…`). */
function headerUser(header: string): string {
  const na = parseNameAddr(header);
  return na.ok ? (na.value.uri.user ?? '') : '';
}

export class CallStories implements ErasureParticipant {
  readonly name = 'callStories';
  readonly #held = new Map<string, Held>();
  readonly #ended: string[] = [];
  readonly #keep: number;
  readonly #onEvent = (e: CallEvent) => this.#record(e);

  constructor(private readonly opts: CallStoriesOptions) {
    this.#keep = opts.keepEnded ?? 200;
    opts.calls.on('event', this.#onEvent);
  }

  close(): void {
    this.opts.calls.off('event', this.#onEvent);
  }

  /** Newest first. */
  list(): CallStory[] {
    return [...this.#held.values()].map((h) => h.story).sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  }

  get(callId: string): CallStory | undefined {
    return this.#held.get(callId)?.story;
  }

  async eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string): Promise<number> {
    let removed = 0;
    for (const [id, h] of [...this.#held]) {
      if (h.story.accountId !== accountId || h.story.applicationId !== applicationId) continue;
      if ((await h.pseudonym) !== pseudonym) continue;
      this.#held.delete(id);
      const i = this.#ended.indexOf(id);
      if (i >= 0) this.#ended.splice(i, 1);
      removed++;
    }
    return removed;
  }

  #record(e: CallEvent): void {
    if (e.type === 'call.started') return this.#start(e);
    const h = this.#held.get(e.callId);
    if (!h) return;
    const s = h.story;
    const at = new Date(e.time).toISOString();
    const offsetMs = Math.max(0, e.time - h.startedMs);
    switch (e.type) {
      case 'transcription': {
        h.turnPrivacy = e.privacy ?? {};
        const policy = this.opts.policyOf(s.accountId, s.applicationId);
        const detection = { ...h.turnPrivacy, callNumbers: h.callNumbers };
        const allowNumbers = policy.logs.unexplainedNumbers === 'allow';
        const gated = applyPolicy('logs', { transcript: e.transcript }, policy, { defaultCountry: this.opts.defaultCountry, detection }).transcript;
        // token mode needs a vault the operator does not have: the gate masks then (no vault given)
        const types = gated === e.transcript ? [] : [...new Set(detect(e.transcript, detection).filter((x) => !allowNumbers || x.type !== 'NUMBER').map((x) => x.type))];
        s.redactedSpans += gated === e.transcript ? 0 : Math.max(1, types.length);
        if (types.length) this.opts.onRedacted?.(types);
        s.timeline.push({ kind: 'caller', at, offsetMs, turn: e.turn, text: gated ?? null, ...(e.confidence >= 0 && e.confidence <= 1 ? { confidence: Math.round(e.confidence * 100) / 100 } : {}), redacted: types });
        return;
      }
      case 'turn.completed': {
        if (e.privacy) h.turnPrivacy = e.privacy;
        s.turns++;
        const timings: Record<string, number> = {};
        for (const [k, v] of [['endpointing', e.endpointingMs], ['stt', e.sttMs], ['dialog', e.dialogMs], ['ttsFirstAudio', e.ttsFirstAudioMs], ['total', e.totalToFirstAudioMs]] as const) {
          if (typeof v === 'number' && v >= 0) timings[k] = Math.round(v);
        }
        s.timeline.push({ kind: 'turn', at, offsetMs, turn: e.turn, timings, ...(e.responses !== undefined ? { responses: e.responses } : {}), ...(e.error ? { error: e.error.replace(/[^a-z-]/gi, '').slice(0, 40) } : {}) });
        return;
      }
      case 'dtmf': {
        s.dtmfKeys++;
        // consecutive keys are one entry: the count is what an operator needs, never the keys
        const last = s.timeline[s.timeline.length - 1];
        if (last?.kind === 'dtmf') last.keys++;
        else s.timeline.push({ kind: 'dtmf', at, offsetMs, keys: 1 });
        return;
      }
      case 'transfer.started':
      case 'transfer.completed':
      case 'transfer.failed': {
        const outcome = e.type === 'transfer.started' ? 'requested' : e.type === 'transfer.completed' ? 'succeeded' : 'failed';
        if (outcome === 'requested') s.transfers++;
        const policy = this.opts.policyOf(s.accountId, s.applicationId);
        const target = e.target ? operatorNumber(headerUser(e.target) || e.target, policy.logs.to, this.opts.defaultCountry) : '';
        s.timeline.push({ kind: 'transfer', at, offsetMs, outcome, target: target || null });
        return;
      }
      case 'call.ended': {
        s.state = 'ended';
        s.endedAt = new Date(e.endedAt).toISOString();
        s.endReason = e.endReason;
        s.media = mediaQuality(e.media);
        s.timeline.push({ kind: 'ended', at: s.endedAt, offsetMs: Math.max(0, e.endedAt - h.startedMs), reason: e.endReason });
        this.#ended.push(e.callId);
        while (this.#ended.length > this.#keep) this.#held.delete(this.#ended.shift()!);
        return;
      }
    }
  }

  #start(e: Extract<CallEvent, { type: 'call.started' }>): void {
    const country = this.opts.defaultCountry;
    const fromUser = headerUser(e.from);
    const toUser = headerUser(e.to);
    const policy = this.opts.policyOf(e.accountId, e.applicationId);
    const at = new Date(e.time).toISOString();
    this.#held.set(e.callId, {
      startedMs: e.time,
      pseudonym: fromUser ? this.opts.pseudonymSecret(e.accountId).then((s) => pseudonymOf(s, fromUser, country), () => undefined) : Promise.resolve(undefined),
      callNumbers: prepareCallNumbers([fromUser, toUser], country),
      turnPrivacy: {},
      story: {
        callId: e.callId, accountId: e.accountId, applicationId: e.applicationId,
        from: operatorNumber(fromUser, policy.logs.from, country), to: operatorNumber(toUser, policy.logs.to, country),
        state: 'live', startedAt: at, endedAt: null, endReason: null, turns: 0, dtmfKeys: 0, transfers: 0, redactedSpans: 0, media: null,
        timeline: [{ kind: 'started', at, offsetMs: 0 }],
      },
    });
  }
}
