/**
 * Recordings in the call's region store (namespace `recordings`): metadata in the clear (ids,
 * pseudonyms, times, pauses, consent; no number, no audio) and the WAV sealed under the caller's
 * data key. Rows are deleted on expiry, on request and on the caller's erasure; the data key's
 * erasure alone already makes every copy (old pages, WAL, backups) unreadable.
 */
import type { Migration, Store } from '../store/index.js';

export const RECORDINGS_NAMESPACE = 'recordings';

const table = (blob: string, int: string) => `
  CREATE TABLE call_recordings (
    id TEXT PRIMARY KEY,
    call_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    application_id TEXT NOT NULL,
    region TEXT NOT NULL,
    data_key_id TEXT NOT NULL,
    from_pseudonym TEXT NOT NULL,
    to_pseudonym TEXT NOT NULL,
    channels TEXT NOT NULL,
    duration_ms ${int} NOT NULL,
    pauses TEXT NOT NULL,
    consent TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_at ${int} NOT NULL,
    expires_at ${int} NOT NULL,
    sealed ${blob} NOT NULL
  );
  CREATE INDEX call_recordings_app ON call_recordings(account_id, application_id, created_at);
  CREATE INDEX call_recordings_expires ON call_recordings(expires_at);
  CREATE INDEX call_recordings_call ON call_recordings(call_id)`;

export const recordingMigrations: readonly Migration[] = [
  { version: 1, description: 'call recordings, sealed under the caller\'s data key', sqlite: table('BLOB', 'INTEGER'), postgres: table('BYTEA', 'BIGINT') },
];

export interface RecordingRow {
  id: string;
  callId: string;
  accountId: string;
  applicationId: string;
  region: string;
  dataKeyId: string;
  fromPseudonym: string;
  toPseudonym: string;
  channels: 'mono' | 'stereo';
  durationMs: number;
  /** JSON: `[{ fromMs, toMs, reasons }]`. */
  pauses: string;
  consent: string;
  outcome: string;
  createdAt: number;
  expiresAt: number;
  sealed: Buffer;
}

const COLS = 'id, call_id, account_id, application_id, region, data_key_id, from_pseudonym, to_pseudonym, channels, duration_ms, pauses, consent, outcome, created_at, expires_at';

function fromRow(r: Record<string, unknown>): RecordingRow {
  return {
    id: String(r['id']), callId: String(r['call_id']), accountId: String(r['account_id']), applicationId: String(r['application_id']), region: String(r['region']),
    dataKeyId: String(r['data_key_id']), fromPseudonym: String(r['from_pseudonym']), toPseudonym: String(r['to_pseudonym']),
    channels: r['channels'] === 'mono' ? 'mono' : 'stereo', durationMs: Number(r['duration_ms']), pauses: String(r['pauses']),
    consent: String(r['consent']), outcome: String(r['outcome']), createdAt: Number(r['created_at']), expiresAt: Number(r['expires_at']),
    sealed: r['sealed'] instanceof Uint8Array ? Buffer.from(r['sealed']) : Buffer.alloc(0),
  };
}

export class RecordingStore {
  private constructor(readonly store: Store) {}

  static async open(store: Store): Promise<RecordingStore> {
    await store.migrate(RECORDINGS_NAMESPACE, recordingMigrations);
    return new RecordingStore(store);
  }

  async insert(r: RecordingRow): Promise<void> {
    await this.store.execute(
      `INSERT INTO call_recordings (${COLS}, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [r.id, r.callId, r.accountId, r.applicationId, r.region, r.dataKeyId, r.fromPseudonym, r.toPseudonym, r.channels, r.durationMs, r.pauses, r.consent, r.outcome, r.createdAt, r.expiresAt, r.sealed],
    );
  }

  /** Unexpired recordings, newest first; without the sealed audio. */
  async list(q: { accountId?: string; applicationId?: string; now: number; limit: number }): Promise<RecordingRow[]> {
    const where = ['expires_at > ?'];
    const params: unknown[] = [q.now];
    if (q.accountId) (where.push('account_id = ?'), params.push(q.accountId));
    if (q.applicationId) (where.push('application_id = ?'), params.push(q.applicationId));
    const rows = await this.store.query(`SELECT ${COLS} FROM call_recordings WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id LIMIT ?`, [...params, q.limit]);
    return rows.map(fromRow);
  }

  /** One unexpired recording with its sealed audio. */
  async get(id: string, now: number): Promise<RecordingRow | undefined> {
    const rows = await this.store.query(`SELECT ${COLS}, sealed FROM call_recordings WHERE id = ? AND expires_at > ?`, [id, now]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.store.execute('DELETE FROM call_recordings WHERE id = ?', [id])) > 0;
  }

  async deleteExpired(now: number): Promise<number> {
    return this.store.execute('DELETE FROM call_recordings WHERE expires_at <= ?', [now]);
  }

  async eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string): Promise<number> {
    return this.store.execute('DELETE FROM call_recordings WHERE account_id = ? AND application_id = ? AND (from_pseudonym = ? OR to_pseudonym = ?)', [accountId, applicationId, pseudonym, pseudonym]);
  }
}
