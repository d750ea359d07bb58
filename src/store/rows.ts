/**
 * Column lists and row ⇄ object mapping shared by both engines, so the two stores cannot drift on
 * what a column means. Engines return BIGINT as string (pg) and booleans as 0/1 (SQLite): the
 * mappers normalise both.
 */
import type { AuditRecord, DataKeyRow, ErasureReceipt, TrainingRow } from './store.js';

export const TRAINING_COLUMNS = [
  'id', 'account_id', 'application_id', 'region', 'data_key_id', 'from_pseudonym', 'to_pseudonym', 'from_masked', 'to_masked',
  'language', 'confidence', 'started_at', 'ended_at', 'captured_at', 'expires_at', 'has_audio', 'sealed',
] as const;

export const DATA_KEY_COLUMNS = ['id', 'account_id', 'application_id', 'region', 'from_pseudonym', 'to_pseudonym', 'kek_id', 'wrapped', 'created_at'] as const;

type Raw = Record<string, unknown>;

export function trainingRowValues(r: TrainingRow): unknown[] {
  return [
    r.id, r.accountId, r.applicationId, r.region, r.dataKeyId, r.fromPseudonym, r.toPseudonym, r.fromMasked, r.toMasked,
    r.language, r.confidence, r.startedAt, r.endedAt, r.capturedAt, r.expiresAt, r.hasAudio, r.sealed,
  ];
}

export function toTrainingRow(raw: Raw): TrainingRow {
  return {
    id: raw.id as string,
    accountId: raw.account_id as string,
    applicationId: raw.application_id as string,
    region: raw.region as string,
    dataKeyId: raw.data_key_id as string,
    fromPseudonym: raw.from_pseudonym as string,
    toPseudonym: raw.to_pseudonym as string,
    fromMasked: raw.from_masked as string,
    toMasked: raw.to_masked as string,
    language: raw.language as string,
    confidence: raw.confidence === null || raw.confidence === undefined ? null : Number(raw.confidence),
    startedAt: Number(raw.started_at),
    endedAt: Number(raw.ended_at),
    capturedAt: Number(raw.captured_at),
    expiresAt: Number(raw.expires_at),
    hasAudio: raw.has_audio === true || raw.has_audio === 1,
    sealed: raw.sealed as Buffer,
  };
}

export function dataKeyValues(r: DataKeyRow): unknown[] {
  return [r.id, r.accountId, r.applicationId, r.region, r.fromPseudonym, r.toPseudonym, r.kekId, r.wrapped, r.createdAt];
}

export function toDataKeyRow(raw: Raw): DataKeyRow {
  return {
    id: raw.id as string,
    accountId: raw.account_id as string,
    applicationId: raw.application_id as string,
    region: raw.region as string,
    fromPseudonym: raw.from_pseudonym as string,
    toPseudonym: raw.to_pseudonym as string,
    kekId: raw.kek_id as string,
    wrapped: raw.wrapped as Buffer,
    createdAt: Number(raw.created_at),
  };
}

export function toReceipt(raw: Raw): ErasureReceipt {
  return {
    requestId: raw.request_id as string,
    accountId: raw.account_id as string,
    applicationId: raw.application_id as string,
    requestedAt: Number(raw.requested_at),
    completedAt: Number(raw.completed_at),
    counts: JSON.parse(raw.counts as string) as Record<string, number>,
    regions: JSON.parse(raw.regions as string) as string[],
    ...(typeof raw.reach === 'string' ? (JSON.parse(raw.reach) as Pick<ErasureReceipt, 'failed' | 'notReached' | 'sinks' | 'nodeId' | 'nodes'>) : {}),
  };
}

/** The receipt's reach fields as stored (`reach` column, JSON). */
export function receiptReach(r: ErasureReceipt): string {
  return JSON.stringify({ failed: r.failed ?? [], notReached: r.notReached ?? [], sinks: r.sinks ?? [], ...(r.nodeId ? { nodeId: r.nodeId } : {}), ...(r.nodes ? { nodes: r.nodes } : {}) });
}

export function toAuditRecord(raw: Raw): AuditRecord {
  return {
    seq: Number(raw.seq),
    at: Number(raw.at),
    actor: raw.actor as string,
    action: raw.action as string,
    target: raw.target as string,
    details: JSON.parse(raw.details as string) as Record<string, unknown>,
  };
}
