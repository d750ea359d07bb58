/**
 * `TenancyStore`: accounts → applications → numbers, kept in the control region's store.
 *
 * Who owns what (see docs/tenancy.md): an entity declared in the configuration file is *managed by the
 * file*: at every start (`seed`) the store's file-managed entities are made equal to the file, and the
 * API refuses to change them (409 `managed_by_config`), so the file and the store never disagree and
 * a restart never reverts an API edit. Entities created through the API are owned by the API and the
 * file never touches them.
 *
 * Every write validates with the config schema (`applicationSchema`, `accountSchema`), checks the
 * cross-field rules the config file has (region configured, retention within the account's ceiling,
 * one application per number) and returns errors as values naming the field. Every change bumps the
 * revision and notifies listeners after the commit; the routing layer rebuilds from `snapshot()`.
 *
 * Credentials in the documents are sealed under the control region's KEK before they are written and
 * opened when read (`sealed-secrets.ts`); rows written in clear by an older version are sealed by
 * `open()`.
 */
import { z } from 'zod';
import type { SqlExecutor, Store } from '../store/index.js';
import { accountSchema, applicationSchema, type AccountConfig, type ApplicationConfig } from './schema.js';
import { DEFAULT_RETENTION_DAYS } from '../training/index.js';
import { numberKey } from './router.js';
import { TENANCY_NAMESPACE, tenancyMigrations } from './migrations.js';
import { SECRET_MASK, restoreSecrets } from './secrets.js';
import { SecretOpenError, TenancySecrets, hasClearSecrets, type SealedEntity } from './sealed-secrets.js';
import type { KeyStore } from '../training/index.js';

export type Source = 'config' | 'api';

export type TenancyError =
  | { code: 'not_found'; message: string }
  | { code: 'conflict'; message: string; field?: string }
  | { code: 'managed_by_config'; message: string }
  | { code: 'invalid'; field: string; message: string };

export type TenancyResult<T> = { ok: true; value: T } | { ok: false; error: TenancyError };

/** Account settings as the API takes them (applications are their own resource). */
export const accountBodySchema = accountSchema.omit({ applications: true });
/** Application settings as the API takes them on PUT (the id is in the path). */
export const applicationUpdateSchema = applicationSchema.omit({ id: true });

export interface Meta {
  source: Source;
  createdAt: number;
  updatedAt: number;
}

export interface AccountRecord extends Meta {
  account: Omit<AccountConfig, 'applications'>;
  applicationIds: string[];
}

export interface ApplicationRecord extends Meta {
  accountId: string;
  application: ApplicationConfig;
}

export interface SeedReport {
  accountsWritten: number;
  applicationsWritten: number;
  /** File-managed ids the file no longer declares, deleted. */
  removed: { accounts: string[]; applications: string[] };
  /** File-managed accounts the file no longer declares that still hold API-managed applications: now owned by the API. */
  handedOver: { accounts: string[] };
}

export class TenancySeedError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'TenancySeedError';
  }
}

export interface TenancyStoreOptions {
  defaultCountry: string;
  /** Regions that have a store; an application must name one of them. */
  regions: readonly string[];
  /** Seals the documents' credentials under the store's region KEK (required: nothing is stored in clear). */
  keyStore: KeyStore;
  /**
   * Told about an application left out because a stored credential does not open (tampered with, or
   * this process lacks the region key: gateways sharing a store must share its keys).
   */
  onUnopenable?: (err: SecretOpenError) => void;
  now?: () => number;
}

type Row = Record<string, unknown>;

const ok = <T>(value: T): TenancyResult<T> => ({ ok: true, value });
const fail = <T = never>(error: TenancyError): TenancyResult<T> => ({ ok: false, error });

export function invalidFromZod(err: z.ZodError, prefix: (string | number)[] = []): TenancyError {
  const issue = err.issues[0]!;
  const field = [...prefix, ...issue.path].map(String).join('.') || '(body)';
  return { code: 'invalid', field, message: issue.message };
}

function withoutKeys(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

export class TenancyStore {
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly secrets: TenancySecrets;
  /** Rows whose credentials were still in clear and were sealed by `open()` (the migration). */
  sealedAtOpen = 0;

  private constructor(
    readonly store: Store,
    private readonly opts: TenancyStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.secrets = new TenancySecrets(opts.keyStore, store.region);
  }

  static async open(store: Store, opts: TenancyStoreOptions): Promise<TenancyStore> {
    await store.migrate(TENANCY_NAMESPACE, tenancyMigrations);
    const t = new TenancyStore(store, opts);
    t.sealedAtOpen = await t.sealClearRows();
    return t;
  }

  /**
   * The migration from clear credentials: every row holding one is rewritten sealed (only if it did not
   * change meanwhile: another gateway may be doing the same). Afterwards the SQLite WAL is checkpointed
   * and truncated, so the clear bytes are gone from the files (`secure_delete` zeroes the old cells).
   */
  private async sealClearRows(): Promise<number> {
    let n = 0;
    for (const [table, entity] of [['tenancy_accounts', 'account'], ['tenancy_applications', 'application']] as const) {
      for (const r of await this.store.query<{ id: string; doc: string }>(`SELECT id, doc FROM ${table}`)) {
        const doc = JSON.parse(String(r.doc)) as unknown;
        if (!hasClearSecrets(doc)) continue;
        const sealed = JSON.stringify(await this.secrets.seal(doc, entity, r.id, { onlyClear: true }));
        n += await this.store.execute(`UPDATE ${table} SET doc = ? WHERE id = ? AND doc = ?`, [sealed, r.id, r.doc]);
      }
    }
    if (n > 0) await this.store.checkpoint();
    return n;
  }

  /** The document as stored: credentials sealed. */
  private async sealedDoc(doc: Record<string, unknown>, entity: SealedEntity, id: string): Promise<string> {
    return JSON.stringify(await this.secrets.seal(doc, entity, id));
  }

  /** Called after every committed change (in this process). Returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  async revision(): Promise<number> {
    const r = await this.store.query<{ revision: number | string }>('SELECT revision FROM tenancy_revision WHERE id = 1');
    return Number(r[0]?.revision ?? 0);
  }

  // ---- reads ----------------------------------------------------------------------------

  async listAccounts(): Promise<AccountRecord[]> {
    const rows = await this.store.query<Row>('SELECT * FROM tenancy_accounts ORDER BY id');
    const apps = await this.store.query<{ id: string; account_id: string }>('SELECT id, account_id FROM tenancy_applications ORDER BY id');
    return Promise.all(rows.map((r) => this.accountFromRow(r, apps.filter((a) => a.account_id === r.id).map((a) => a.id))));
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const [row] = await this.store.query<Row>('SELECT * FROM tenancy_accounts WHERE id = ?', [id]);
    if (!row) return undefined;
    const apps = await this.store.query<{ id: string }>('SELECT id FROM tenancy_applications WHERE account_id = ? ORDER BY id', [id]);
    return this.accountFromRow(row, apps.map((a) => a.id));
  }

  async listApplications(accountId?: string): Promise<ApplicationRecord[]> {
    const rows = accountId
      ? await this.store.query<Row>('SELECT * FROM tenancy_applications WHERE account_id = ? ORDER BY id', [accountId])
      : await this.store.query<Row>('SELECT * FROM tenancy_applications ORDER BY id');
    const numbers = await this.numbersByApplication();
    return (await Promise.all(rows.map((r) => this.applicationFromRow(r, numbers.get(String(r.id)) ?? [])))).flatMap((a) => a ?? []);
  }

  async getApplication(id: string): Promise<ApplicationRecord | undefined> {
    const [row] = await this.store.query<Row>('SELECT * FROM tenancy_applications WHERE id = ?', [id]);
    if (!row) return undefined;
    const nums = await this.store.query<{ number: string }>('SELECT number FROM tenancy_numbers WHERE application_id = ? ORDER BY number', [id]);
    return this.applicationFromRow(row, nums.map((n) => n.number));
  }

  async listNumbers(applicationId: string): Promise<TenancyResult<string[]>> {
    if (!(await this.getApplication(applicationId))) return fail({ code: 'not_found', message: `application "${applicationId}" not found` });
    const nums = await this.store.query<{ number: string }>('SELECT number FROM tenancy_numbers WHERE application_id = ? ORDER BY number', [applicationId]);
    return ok(nums.map((n) => n.number));
  }

  /** Every account with its applications (numbers included): what the router is built from. */
  async snapshot(): Promise<AccountConfig[]> {
    const accounts = await this.listAccounts();
    const apps = await this.listApplications();
    return accounts.map((a) => ({ ...a.account, applications: apps.filter((p) => p.accountId === a.account.id).map((p) => p.application) }));
  }

  // ---- account writes --------------------------------------------------------------------

  /** Create or replace an account's own settings. */
  async putAccount(id: string, body: unknown): Promise<TenancyResult<{ created: boolean; record: AccountRecord }>> {
    const input = { ...(body && typeof body === 'object' ? (body as Record<string, unknown>) : {}), id };
    const parsed = accountBodySchema.safeParse(input);
    if (!parsed.success) return fail(invalidFromZod(parsed.error));
    const existing = await this.getAccount(id);
    if (existing?.source === 'config') return fail({ code: 'managed_by_config', message: `account "${id}" is declared in the configuration file; change it there` });
    if (existing) {
      const max = parsed.data.training?.maxRetentionDays ?? DEFAULT_RETENTION_DAYS;
      for (const app of (await this.listApplications(id))) {
        const days = app.application.training?.retentionDays;
        if (days !== undefined && days > max) return fail({ code: 'invalid', field: 'training.maxRetentionDays', message: `application "${app.application.id}" keeps records ${days} days; lower it first` });
      }
    }
    const doc = await this.sealedDoc(withoutKeys(input, ['id', 'applications']), 'account', id);
    const t = this.now();
    await this.store.transaction(async (tx) => {
      if (existing) await tx.execute('UPDATE tenancy_accounts SET doc = ?, updated_at = ? WHERE id = ?', [doc, t, id]);
      else await tx.execute('INSERT INTO tenancy_accounts (id, doc, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [id, doc, 'api', t, t]);
      await bump(tx);
    });
    this.changed();
    return ok({ created: !existing, record: (await this.getAccount(id))! });
  }

  async deleteAccount(id: string): Promise<TenancyResult<void>> {
    const existing = await this.getAccount(id);
    if (!existing) return fail({ code: 'not_found', message: `account "${id}" not found` });
    if (existing.source === 'config') return fail({ code: 'managed_by_config', message: `account "${id}" is declared in the configuration file; remove it there` });
    if (existing.applicationIds.length) return fail({ code: 'conflict', message: `account "${id}" still has ${existing.applicationIds.length} application(s); delete them first` });
    await this.store.transaction(async (tx) => {
      await tx.execute('DELETE FROM tenancy_accounts WHERE id = ?', [id]);
      await bump(tx);
    });
    this.changed();
    return ok(undefined);
  }

  // ---- application writes ----------------------------------------------------------------

  /**
   * Create (`accountId` given, id must be new) or replace an application. On replace, a body without
   * `numbers` keeps the application's numbers; secrets sent as `********` keep their stored value.
   */
  async putApplication(accountId: string | undefined, id: string, body: unknown, mode: 'create' | 'replace'): Promise<TenancyResult<{ created: boolean; record: ApplicationRecord }>> {
    const raw = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    if (!raw) return fail({ code: 'invalid', field: '(body)', message: 'must be a JSON object' });
    const [row] = await this.store.query<Row>('SELECT * FROM tenancy_applications WHERE id = ?', [id]);
    if (mode === 'create' && row) return fail({ code: 'conflict', field: 'id', message: `application "${id}" already exists` });
    if (mode === 'replace' && !row) return fail({ code: 'not_found', message: `application "${id}" not found` });
    if (row?.source === 'config') return fail({ code: 'managed_by_config', message: `application "${id}" is declared in the configuration file; change it there` });
    const owner = accountId ?? String(row!.account_id);
    const account = await this.getAccount(owner);
    if (!account) return fail({ code: 'not_found', message: `account "${owner}" not found` });

    let input: Record<string, unknown> = { ...raw, id };
    if (row) {
      const previous = await this.secrets.open(JSON.parse(String(row.doc)), 'application', id).catch((e: unknown) => {
        if (e instanceof SecretOpenError) return undefined; // the client may still send every credential anew
        throw e;
      });
      input = restoreSecrets(input, previous) as Record<string, unknown>;
      if (!previous && JSON.stringify(input).includes(JSON.stringify(SECRET_MASK))) {
        return fail({ code: 'conflict', message: `the stored credentials of application "${id}" cannot be opened with this gateway's keys; send every credential again` });
      }
    }
    const existingNumbers = row ? (await this.store.query<{ number: string }>('SELECT number FROM tenancy_numbers WHERE application_id = ?', [id])).map((n) => n.number) : [];
    if (!('numbers' in raw)) input.numbers = existingNumbers;
    const parsed = applicationSchema.safeParse(input);
    if (!parsed.success) return fail(invalidFromZod(parsed.error));
    const app = parsed.data;
    const rule = this.crossCheck(app, account.account);
    if (rule) return fail(rule);
    const keys = this.numberKeys(app.numbers);
    if (!keys.ok) return keys;

    const doc = await this.sealedDoc(withoutKeys(input, ['id', 'numbers']), 'application', id);
    const t = this.now();
    const clash = await this.store.transaction(async (tx) => {
      const taken = await this.takenNumbers(tx, keys.value.map((k) => k.key), id);
      if (taken) return taken;
      if (row) await tx.execute('UPDATE tenancy_applications SET doc = ?, updated_at = ? WHERE id = ?', [doc, t, id]);
      else await tx.execute('INSERT INTO tenancy_applications (id, account_id, doc, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [id, owner, doc, 'api', t, t]);
      await tx.execute('DELETE FROM tenancy_numbers WHERE application_id = ?', [id]);
      for (const k of keys.value) await tx.execute('INSERT INTO tenancy_numbers (number_key, number, application_id, created_at) VALUES (?, ?, ?, ?)', [k.key, k.number, id, t]);
      await bump(tx);
      return undefined;
    });
    if (clash) return fail(clash);
    this.changed();
    return ok({ created: !row, record: (await this.getApplication(id))! });
  }

  async deleteApplication(id: string): Promise<TenancyResult<void>> {
    const [row] = await this.store.query<Row>('SELECT source FROM tenancy_applications WHERE id = ?', [id]);
    if (!row) return fail({ code: 'not_found', message: `application "${id}" not found` });
    if (row.source === 'config') return fail({ code: 'managed_by_config', message: `application "${id}" is declared in the configuration file; remove it there` });
    await this.store.transaction(async (tx) => {
      await tx.execute('DELETE FROM tenancy_numbers WHERE application_id = ?', [id]);
      await tx.execute('DELETE FROM tenancy_applications WHERE id = ?', [id]);
      await bump(tx);
    });
    this.changed();
    return ok(undefined);
  }

  async addNumber(applicationId: string, number: string): Promise<TenancyResult<{ number: string; key: string }>> {
    const app = await this.getApplication(applicationId);
    if (!app) return fail({ code: 'not_found', message: `application "${applicationId}" not found` });
    if (app.source === 'config') return fail({ code: 'managed_by_config', message: `application "${applicationId}" is declared in the configuration file; change it there` });
    const keys = this.numberKeys([number]);
    if (!keys.ok) return keys;
    const k = keys.value[0]!;
    const clash = await this.store.transaction(async (tx) => {
      const taken = await this.takenNumbers(tx, [k.key], applicationId);
      if (taken) return taken;
      const n = await tx.execute('INSERT INTO tenancy_numbers (number_key, number, application_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (number_key) DO NOTHING', [k.key, k.number, applicationId, this.now()]);
      if (n) {
        await tx.execute('UPDATE tenancy_applications SET updated_at = ? WHERE id = ?', [this.now(), applicationId]);
        await bump(tx);
      }
      return undefined;
    });
    if (clash) return fail(clash);
    this.changed();
    return ok({ number: k.number, key: k.key });
  }

  async removeNumber(applicationId: string, number: string): Promise<TenancyResult<void>> {
    const app = await this.getApplication(applicationId);
    if (!app) return fail({ code: 'not_found', message: `application "${applicationId}" not found` });
    if (app.source === 'config') return fail({ code: 'managed_by_config', message: `application "${applicationId}" is declared in the configuration file; change it there` });
    const key = numberKey(number, this.opts.defaultCountry);
    let removed = 0;
    await this.store.transaction(async (tx) => {
      removed = await tx.execute('DELETE FROM tenancy_numbers WHERE number_key = ? AND application_id = ?', [key, applicationId]);
      if (removed) await bump(tx);
    });
    if (!removed) return fail({ code: 'not_found', message: `number not configured on application "${applicationId}"` });
    this.changed();
    return ok(undefined);
  }

  // ---- seeding from the configuration file ------------------------------------------------

  /**
   * Makes the store's file-managed set equal to the file: file entities are created or replaced
   * (source `config`); file-managed applications the file no longer declares are deleted (as they
   * would be without a store); a file-managed account the file no longer declares is deleted too,
   * unless API-managed applications still belong to it: then it is handed over to the API.
   * API-managed entities are never touched. Throws `TenancySeedError` (with the config path) when the
   * file contradicts the API's data: a number held by an API-managed application, an application id
   * that the API created (in any account).
   */
  async seed(accounts: readonly AccountConfig[]): Promise<SeedReport> {
    const t = this.now();
    const report: SeedReport = { accountsWritten: 0, applicationsWritten: 0, removed: { accounts: [], applications: [] }, handedOver: { accounts: [] } };
    // Sealed before the transaction: a KMS round trip must not hold the store's write lock.
    const accountDocs = new Map<string, string>();
    const appDocs = new Map<string, string>();
    for (const acc of accounts) {
      accountDocs.set(acc.id, await this.sealedDoc(withoutKeys(acc as unknown as Record<string, unknown>, ['id', 'applications']), 'account', acc.id));
      for (const app of acc.applications) appDocs.set(app.id, await this.sealedDoc(withoutKeys(app as unknown as Record<string, unknown>, ['id', 'numbers']), 'application', app.id));
    }
    await this.store.transaction(async (tx) => {
      const fileAccounts = new Set(accounts.map((a) => a.id));
      const fileApps = new Set(accounts.flatMap((a) => a.applications.map((p) => p.id)));
      for (const r of await tx.query<{ id: string }>("SELECT id FROM tenancy_applications WHERE source = 'config' ORDER BY id")) {
        if (fileApps.has(r.id)) continue;
        await tx.execute('DELETE FROM tenancy_numbers WHERE application_id = ?', [r.id]);
        await tx.execute('DELETE FROM tenancy_applications WHERE id = ?', [r.id]);
        report.removed.applications.push(r.id);
      }
      for (const r of await tx.query<{ id: string }>("SELECT id FROM tenancy_accounts WHERE source = 'config' ORDER BY id")) {
        if (fileAccounts.has(r.id)) continue;
        const [left] = await tx.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM tenancy_applications WHERE account_id = ?', [r.id]);
        if (Number(left?.n ?? 0) > 0) {
          await tx.execute("UPDATE tenancy_accounts SET source = 'api', updated_at = ? WHERE id = ?", [t, r.id]);
          report.handedOver.accounts.push(r.id);
        } else {
          await tx.execute('DELETE FROM tenancy_accounts WHERE id = ?', [r.id]);
          report.removed.accounts.push(r.id);
        }
      }
      for (const [ai, acc] of accounts.entries()) {
        const doc = accountDocs.get(acc.id)!;
        await tx.execute(
          `INSERT INTO tenancy_accounts (id, doc, source, created_at, updated_at) VALUES (?, ?, 'config', ?, ?)
           ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, source = 'config', updated_at = excluded.updated_at`,
          [acc.id, doc, t, t],
        );
        report.accountsWritten++;
        for (const [pi, app] of acc.applications.entries()) {
          const path = `accounts.${ai}.applications.${pi}`;
          const [prev] = await tx.query<{ source: string }>('SELECT source FROM tenancy_applications WHERE id = ?', [app.id]);
          if (prev && prev.source !== 'config') throw new TenancySeedError(`${path}.id`, `application "${app.id}" was created through the API; delete it there or choose another id`);
          const keys = this.numberKeys(app.numbers);
          if (!keys.ok) throw new TenancySeedError(`${path}.numbers`, keys.error.message);
          const taken = await this.takenNumbers(tx, keys.value.map((k) => k.key), app.id);
          if (taken) throw new TenancySeedError(`${path}.numbers`, `${taken.message} (managed through the API)`);
          const appDoc = appDocs.get(app.id)!;
          await tx.execute(
            `INSERT INTO tenancy_applications (id, account_id, doc, source, created_at, updated_at) VALUES (?, ?, ?, 'config', ?, ?)
             ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, doc = excluded.doc, source = 'config', updated_at = excluded.updated_at`,
            [app.id, acc.id, appDoc, t, t],
          );
          await tx.execute('DELETE FROM tenancy_numbers WHERE application_id = ?', [app.id]);
          for (const k of keys.value) await tx.execute('INSERT INTO tenancy_numbers (number_key, number, application_id, created_at) VALUES (?, ?, ?, ?)', [k.key, k.number, app.id, t]);
          report.applicationsWritten++;
        }
      }
      await bump(tx);
    });
    this.changed();
    return report;
  }

  // ---- helpers ---------------------------------------------------------------------------

  private crossCheck(app: ApplicationConfig, account: Omit<AccountConfig, 'applications'>): TenancyError | undefined {
    if (!this.opts.regions.includes(app.region)) return { code: 'invalid', field: 'region', message: `region "${app.region}" has no store configured under regions` };
    const max = account.training?.maxRetentionDays ?? DEFAULT_RETENTION_DAYS;
    const days = app.training?.retentionDays;
    if (days !== undefined && days > max) return { code: 'invalid', field: 'training.retentionDays', message: `retentionDays ${days} exceeds the account's maxRetentionDays ${max}` };
    return undefined;
  }

  private numberKeys(numbers: readonly string[]): TenancyResult<{ number: string; key: string }[]> {
    const seen = new Map<string, number>();
    const out: { number: string; key: string }[] = [];
    for (const [i, number] of numbers.entries()) {
      if (typeof number !== 'string' || !number.trim() || number === '*') return fail({ code: 'invalid', field: `numbers.${i}`, message: 'must be a number, a SIP user part or a prefix range ending in *' });
      const key = numberKey(number.trim(), this.opts.defaultCountry);
      if (seen.has(key)) return fail({ code: 'invalid', field: `numbers.${i}`, message: `same number as numbers.${seen.get(key)}` });
      seen.set(key, i);
      out.push({ number: number.trim(), key });
    }
    return ok(out);
  }

  private async takenNumbers(tx: SqlExecutor, keys: string[], applicationId: string): Promise<TenancyError | undefined> {
    for (const key of keys) {
      const [r] = await tx.query<{ application_id: string }>('SELECT application_id FROM tenancy_numbers WHERE number_key = ? AND application_id <> ?', [key, applicationId]);
      if (r) return { code: 'conflict', field: 'numbers', message: `a number is already routed to application "${r.application_id}"` };
    }
    return undefined;
  }

  private async numbersByApplication(): Promise<Map<string, string[]>> {
    const m = new Map<string, string[]>();
    for (const r of await this.store.query<{ number: string; application_id: string }>('SELECT number, application_id FROM tenancy_numbers ORDER BY number')) {
      let l = m.get(r.application_id);
      if (!l) m.set(r.application_id, (l = []));
      l.push(r.number);
    }
    return m;
  }

  private async accountFromRow(r: Row, applicationIds: string[]): Promise<AccountRecord> {
    const doc = await this.secrets.open(JSON.parse(String(r.doc)) as Record<string, unknown>, 'account', String(r.id));
    const parsed = accountBodySchema.parse({ ...doc, id: r.id });
    return { account: parsed, applicationIds, source: r.source as Source, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
  }

  /**
   * A row that no longer parses (the schema tightened since it was written), or whose credentials do
   * not open (tampered with, or its region key is gone), is left out, not thrown: one bad row must
   * not take routing down, and an application is never run with a credential we could not verify.
   */
  private async applicationFromRow(r: Row, numbers: string[]): Promise<ApplicationRecord | undefined> {
    let doc: Record<string, unknown>;
    try {
      doc = await this.secrets.open(JSON.parse(String(r.doc)) as Record<string, unknown>, 'application', String(r.id));
    } catch (e) {
      if (!(e instanceof SecretOpenError)) throw e;
      this.opts.onUnopenable?.(e);
      return undefined;
    }
    const parsed = applicationSchema.safeParse({ ...doc, id: r.id, numbers });
    if (!parsed.success) return undefined;
    return { accountId: String(r.account_id), application: parsed.data, source: r.source as Source, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
  }
}

async function bump(tx: SqlExecutor): Promise<void> {
  await tx.execute('UPDATE tenancy_revision SET revision = revision + 1 WHERE id = 1');
}
