/**
 * `RecordingService`: seals, stores, lists, opens and deletes call recordings, per region, with the
 * training module's envelope scheme (reused, not copied): the WAV is sealed with AES-256-GCM under
 * the data key of (account, application, region, caller pseudonym, callee pseudonym) — the key the
 * caller's training records and events use — so erasing the caller crypto-shreds the recording too.
 * The sealed bytes are bound (AAD) to the recording's id, tenancy, region, key, pseudonyms and
 * lifetime: a row moved or altered fails to open.
 *
 * Every access (list, get, delete; also from the CLI on a stopped gateway) is written to the audit
 * log of the recording's region store, with the actor and the recording id (no PII).
 * The service is also an erasure participant: it deletes the caller's rows.
 */
import type { RegionStores } from '../store/index.js';
import type { Store } from '../store/index.js';
import type { DataKeyRing } from '../training/index.js';
import { encodeAad, open, seal } from '../training/index.js';
import type { ErasureParticipant } from '../training/index.js';
import type { KeyStore } from '../training/index.js';
import { pseudonymOf } from '../training/index.js';
import { ANONYMOUS_SCOPE } from '../events/index.js';
import type { RecordedAudio, RecordingPause } from './types.js';
import { RecordingStore, type RecordingRow } from './recording-store.js';

const DAY_MS = 86_400_000;

export interface RecordingMeta {
  callId: string;
  accountId: string;
  applicationId: string;
  region: string;
  /** The caller's and callee's numbers as the INVITE gave them (user parts); only their pseudonyms are kept. */
  from: string;
  to: string;
  retentionDays: number;
}

export interface RecordingView {
  id: string;
  callId: string;
  accountId: string;
  applicationId: string;
  region: string;
  channels: 'mono' | 'stereo';
  durationMs: number;
  pauses: RecordingPause[];
  consent: string;
  consentOutcome: string;
  createdAt: string;
  expiresAt: string;
}

export type OpenedRecording = { ok: true; view: RecordingView; wav: Buffer } | { ok: false; reason: 'not-found' | 'shredded' | 'tampered' };

function aad(r: Pick<RecordingRow, 'id' | 'accountId' | 'applicationId' | 'region' | 'dataKeyId' | 'fromPseudonym' | 'toPseudonym' | 'createdAt' | 'expiresAt'>): Buffer {
  return encodeAad(['hushgate/recording/v1', r.id, r.accountId, r.applicationId, r.region, r.dataKeyId, r.fromPseudonym, r.toPseudonym, r.createdAt, r.expiresAt]);
}

export function viewOf(r: RecordingRow): RecordingView {
  return {
    id: r.id, callId: r.callId, accountId: r.accountId, applicationId: r.applicationId, region: r.region, channels: r.channels, durationMs: r.durationMs,
    pauses: JSON.parse(r.pauses) as RecordingPause[], consent: r.consent, consentOutcome: r.outcome,
    createdAt: new Date(r.createdAt).toISOString(), expiresAt: new Date(r.expiresAt).toISOString(),
  };
}

export class RecordingService implements ErasureParticipant {
  readonly name = 'recordings';

  private constructor(
    private readonly byRegion: ReadonlyMap<string, RecordingStore>,
    private readonly keyStore: KeyStore,
    private readonly ring: DataKeyRing,
    private readonly defaultCountry: string,
    private readonly now: () => number,
  ) {}

  static async open(stores: RegionStores, keyStore: KeyStore, ring: DataKeyRing, defaultCountry: string, now: () => number): Promise<RecordingService> {
    const m = new Map<string, RecordingStore>();
    for (const region of stores.regions()) m.set(region, await RecordingStore.open(stores.get(region)));
    return new RecordingService(m, keyStore, ring, defaultCountry, now);
  }

  #region(region: string): RecordingStore {
    const s = this.byRegion.get(region);
    if (!s) throw new Error(`region "${region}" has no store configured`); // nothing is written elsewhere
    return s;
  }

  async #pseudonym(accountId: string, raw: string): Promise<string> {
    if (!raw) return ANONYMOUS_SCOPE;
    return pseudonymOf(await this.keyStore.pseudonymSecret(accountId), raw, this.defaultCountry);
  }

  /** Seals and stores one recording in the call's region. */
  async store(meta: RecordingMeta, audio: RecordedAudio): Promise<void> {
    const rs = this.#region(meta.region);
    const fromPseudonym = await this.#pseudonym(meta.accountId, meta.from);
    const toPseudonym = await this.#pseudonym(meta.accountId, meta.to);
    const scope = { accountId: meta.accountId, applicationId: meta.applicationId, region: meta.region, fromPseudonym, toPseudonym };
    const dk = await this.ring.storedForScope(rs.store, scope);
    const createdAt = this.now();
    const base = { id: audio.id, accountId: meta.accountId, applicationId: meta.applicationId, region: meta.region, dataKeyId: dk.id, fromPseudonym, toPseudonym, createdAt, expiresAt: createdAt + meta.retentionDays * DAY_MS };
    await rs.insert({
      ...base, callId: meta.callId, channels: audio.channels, durationMs: audio.durationMs, pauses: JSON.stringify(audio.pauses),
      consent: audio.consent, outcome: audio.outcome, sealed: seal(dk.key, Buffer.from(audio.wav), aad(base)),
    });
  }

  async list(q: { accountId?: string; applicationId?: string; region?: string; limit?: number }, actor: string): Promise<RecordingView[]> {
    const regions = q.region ? [q.region] : [...this.byRegion.keys()];
    const out: RecordingView[] = [];
    for (const region of regions) {
      const rs = this.#region(region);
      const rows = await rs.list({ accountId: q.accountId, applicationId: q.applicationId, now: this.now(), limit: q.limit ?? 100 });
      out.push(...rows.map(viewOf));
      await this.#audit(rs.store, actor, 'recording.list', q.accountId ?? '*', { region, count: rows.length });
    }
    return out;
  }

  /** The recording decrypted to its WAV bytes; `shredded` once its caller was erased. */
  async get(id: string, actor: string): Promise<OpenedRecording> {
    for (const rs of this.byRegion.values()) {
      const row = await rs.get(id, this.now());
      if (!row) continue;
      const dk = await this.ring.forId(rs.store, row.dataKeyId).catch(() => 'tampered' as const);
      const wav = dk && dk !== 'tampered' ? open(dk.key, row.sealed, aad(row)) : undefined;
      const outcome = !dk ? 'shredded' : dk === 'tampered' || !wav ? 'tampered' : 'ok';
      await this.#audit(rs.store, actor, 'recording.get', `${row.accountId}/${row.applicationId}`, { recordingId: id, outcome });
      if (outcome !== 'ok') return { ok: false, reason: outcome };
      return { ok: true, view: viewOf(row), wav: wav! };
    }
    return { ok: false, reason: 'not-found' };
  }

  async delete(id: string, actor: string): Promise<boolean> {
    for (const rs of this.byRegion.values()) {
      if (!(await rs.delete(id))) continue;
      await rs.store.checkpoint();
      await this.#audit(rs.store, actor, 'recording.delete', id, { recordingId: id });
      return true;
    }
    return false;
  }

  /** Deletes expired recordings in every region; resolves to how many. */
  async sweep(): Promise<number> {
    let n = 0;
    for (const rs of this.byRegion.values()) n += await rs.deleteExpired(this.now());
    return n;
  }

  async eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string): Promise<number> {
    let n = 0;
    for (const rs of this.byRegion.values()) n += await rs.eraseByPseudonym(accountId, applicationId, pseudonym);
    return n;
  }

  #audit(store: Store, actor: string, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    return store.audit({ actor, action, target, details }, this.now());
  }
}
