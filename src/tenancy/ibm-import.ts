/**
 * Import of an IBM Voice Gateway multi-tenant JSON file (`MULTI_TENANT_CONFIG_FILE`:
 * `{"tenants": [{tenantURI, description, whitelistFromUri, conversation, stt, tts, reporting, …}]}`).
 * Each tenant becomes one application (validated with `applicationSchema`) in one account:
 *
 * | IBM field | Hushgate |
 * |---|---|
 * | `tenantURI` (number, `user@host`, `sip:` URI) | `numbers: [user part]` |
 * | `description` | `name` (and the application id, slugged, unless it collides) |
 * | `conversation` on an IBM Assistant URL (`url`, `workspaceID`, `apikey` or `username`/`password`, `tokenServiceProviderUrl`) | `dialog: { provider: watson-assistant, apiVersion: v1 }` |
 * | `conversation` on any other URL (a service orchestration engine) | `dialog: { provider: webhook }` |
 * | `stt.credentials` + `stt.config.model`, `smart_formatting` | `speech.stt: { engine: watson }` |
 * | `tts.credentials` + `tts.config.voice` | `speech.tts: { engine: watson }` |
 * | `reporting` (`url`, `password` as the HEC token, `cdrEventIndex`, `transcriptionEventIndex`) | `forwarding.sinks: [splunk-hec]` |
 *
 * Everything else is listed in the report, per tenant, by its JSON path (values are never printed:
 * they hold credentials). Lists of providers (IBM's failover) keep the first; the rest are reported.
 * `whitelistFromUri` has no per-application equivalent (the source allowlist is `sip.allowFrom`).
 */
import { applicationSchema, type ApplicationConfig } from './schema.js';

export interface TenantReport {
  tenant: number;
  applicationId?: string;
  /** JSON paths (`tenants.0.smsPipe`) of fields that were not carried over. */
  unmapped: string[];
  /** JSON paths of empty or `{…}` placeholder values (IBM's templates ship them): fill them in. */
  placeholders: string[];
  /** What the import did about a gap (a provider we cannot speak, a dialog left out). */
  notes: string[];
  /** The tenant was skipped: why (a field path and the reason). */
  error?: string;
}

export interface IbmImportResult {
  applications: ApplicationConfig[];
  /** The applications as the operator would write them (input form, no defaults filled in). */
  inputs: Record<string, unknown>[];
  reports: TenantReport[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/**
 * Paths of what was not carried over: a key not marked used is reported whole (its subtree is one
 * path); a used key whose object was itself inspected (it has a used-set) is descended into.
 */
function leftovers(node: Obj, path: string, used: Map<unknown, Set<string>>, out: string[]): void {
  const u = used.get(node) ?? new Set<string>();
  for (const [k, v] of Object.entries(node)) {
    if (!u.has(k)) out.push(`${path}.${k}`);
    else if (isObj(v) && used.has(v)) leftovers(v, `${path}.${k}`, used, out);
    else if (Array.isArray(v) && isObj(v[0]) && used.has(v[0])) leftovers(v[0], `${path}.${k}.0`, used, out);
  }
}

function userPart(uri: string): string {
  return uri.replace(/^(sips?|tel):/i, '').replace(/[;?].*$/, '').split('@')[0]!.trim();
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
}

function first(v: unknown, path: string, extra: string[]): { value: Obj | undefined; path: string } {
  if (Array.isArray(v)) {
    v.slice(1).forEach((_, i) => extra.push(`${path}.${i + 1}`));
    return { value: isObj(v[0]) ? v[0] : undefined, path: `${path}.0` };
  }
  return { value: isObj(v) ? v : undefined, path };
}

function iamUrlOf(tokenUrl: string | undefined): string | undefined {
  if (!tokenUrl) return undefined;
  try {
    return new URL(tokenUrl).origin;
  } catch {
    return undefined;
  }
}

/** IBM's sample files ship empty strings and `{instance_url}`-style placeholders where credentials go. */
export function isPlaceholder(v: unknown): boolean {
  return typeof v === 'string' && (v.trim() === '' || /\{[^{}]*\}/.test(v));
}

/** The IBM `stt`/`tts`/`conversation` keys whose values are Watson parameters we pass on as they are. */
const STT_OWN_KEYS = new Set(['model', 'smart_formatting']);
const PARAMETER_NAME = /^[a-z_]+$/;

/**
 * Credentials of an IBM credentials object as our Watson auth, or why not: `apikey` (IAM, with its
 * token service), `bearerToken` (a Cloud Pak token), `username`/`password`. Placeholders are listed,
 * never fatal.
 */
function credentialsOf(c: Obj, path: string, mark: (o: Obj, ...k: string[]) => void, placeholders: string[]): { kind: 'iam'; apiKey: string; iamUrl?: string } | { kind: 'bearer'; token: string } | { kind: 'basic'; username: string; password: string } | undefined {
  const holes = (...keys: string[]): boolean => {
    const found = keys.filter((k) => k in c && isPlaceholder(c[k]));
    for (const k of found) placeholders.push(`${path}.${k}`);
    mark(c, ...keys);
    return found.length > 0;
  };
  if ('apikey' in c || 'apiKey' in c) {
    const key = 'apikey' in c ? 'apikey' : 'apiKey';
    if (holes(key, 'tokenServiceProviderUrl')) return undefined;
    const iamUrl = iamUrlOf(str(c.tokenServiceProviderUrl));
    return { kind: 'iam', apiKey: String(c[key]).trim(), ...(iamUrl ? { iamUrl } : {}) };
  }
  if ('bearerToken' in c) {
    if (holes('bearerToken')) return undefined;
    return { kind: 'bearer', token: String(c.bearerToken).trim() };
  }
  if ('username' in c || 'password' in c) {
    if (holes('username', 'password')) return undefined;
    return { kind: 'basic', username: String(c.username), password: String(c.password) };
  }
  return undefined;
}

const asDialogAuth = (a: NonNullable<ReturnType<typeof credentialsOf>>): Obj =>
  a.kind === 'iam' ? { type: 'iam', apiKey: a.apiKey, ...(a.iamUrl ? { iamUrl: a.iamUrl } : {}) } : a.kind === 'bearer' ? { type: 'bearer', token: a.token } : { type: 'basic', username: a.username, password: a.password };

/** IBM's `conversation` object → our dialog settings (undefined when a placeholder or a gap leaves nothing to call). */
function dialogOf(c: Obj, path: string, mark: (o: Obj, ...k: string[]) => void, placeholders: string[], notes: string[]): Obj | undefined {
  mark(c, 'url', 'workspaceID', 'workspaceId', 'assistantID', 'assistantId', 'name');
  const urlHole = isPlaceholder(c.url);
  if (urlHole) placeholders.push(`${path}.url`);
  const assistant = 'assistantID' in c || 'assistantId' in c ? (c.assistantID ?? c.assistantId) : undefined;
  const workspace = c.workspaceID ?? c.workspaceId;
  const idKey = assistant !== undefined ? ('assistantID' in c ? 'assistantID' : 'assistantId') : 'workspaceID' in c ? 'workspaceID' : 'workspaceId';
  const idHole = isPlaceholder(assistant ?? workspace);
  if (idHole && (assistant !== undefined || workspace !== undefined)) placeholders.push(`${path}.${idKey}`);
  const auth = credentialsOf(c, path, mark, placeholders);
  const url = str(c.url);
  if (urlHole || idHole || !url) {
    notes.push(`${path}: no dialog until the placeholders are filled in; the application answers in mode hold`);
    return undefined;
  }
  if (assistant !== undefined) {
    // The current Watson Assistant form: an assistant (environment) ID, spoken to with the v2 API.
    if (!auth) return (notes.push(`${path}: no usable credentials; the application answers in mode hold`), undefined);
    return { provider: 'watson-assistant', apiVersion: 'v2', url, assistantId: String(assistant).trim(), auth: asDialogAuth(auth) };
  }
  // IBM-hosted Watson Assistant, or IAM credentials (which only Watson's own token exchange takes).
  if (auth && (auth.kind === 'iam' || /assistant|watsonplatform\.net|conversation/i.test(url))) {
    return { provider: 'watson-assistant', apiVersion: 'v1', url, workspaceId: String(workspace ?? '').trim(), auth: asDialogAuth(auth) };
  }
  // Any other URL is a Service Orchestration Engine speaking the v1 message API.
  return { provider: 'webhook', url, workspaceId: String(workspace ?? 'default').trim() || 'default', auth: auth ? asDialogAuth(auth) : { type: 'none' } };
}

export function importIbmTenants(json: unknown, opts: { region?: string } = {}): { ok: true; value: IbmImportResult } | { ok: false; error: string } {
  if (!isObj(json) || !Array.isArray(json.tenants)) return { ok: false, error: 'not an IBM Voice Gateway multi-tenant file: expected {"tenants": [...]}' };
  const result: IbmImportResult = { applications: [], inputs: [], reports: [] };
  const ids = new Set<string>();
  json.tenants.forEach((tenant, ti) => {
    const base = `tenants.${ti}`;
    const report: TenantReport = { tenant: ti, unmapped: [], placeholders: [], notes: [] };
    result.reports.push(report);
    if (!isObj(tenant)) {
      report.error = `${base}: not an object`;
      return;
    }
    const used = new Map<unknown, Set<string>>();
    const mark = (o: Obj, ...keys: string[]) => {
      let s = used.get(o);
      if (!s) used.set(o, (s = new Set()));
      for (const k of keys) if (k in o) s.add(k);
    };
    const extraProviders: string[] = [];
    const uri = str(tenant.tenantURI);
    if (!uri || isPlaceholder(uri)) {
      report.error = `${base}.tenantURI: missing`;
      return;
    }
    mark(tenant, 'tenantURI', 'description');
    const description = str(tenant.description);
    let id = slug(description ?? '') || `tenant-${slug(userPart(uri)) || ti}`;
    while (ids.has(id)) id = `${id}-${ti}`;
    const app: Obj = { id, numbers: [userPart(uri)], mode: 'agent', ...(description ? { name: description } : {}), ...(opts.region ? { region: opts.region } : {}) };

    const conv = first(tenant.conversation, `${base}.conversation`, extraProviders);
    if (conv.value) {
      mark(tenant, 'conversation');
      const dialog = dialogOf(conv.value, conv.path, mark, report.placeholders, report.notes);
      if (dialog) app.dialog = dialog;
      else app.mode = 'hold';
    } else {
      app.mode = 'hold';
      report.notes.push(`${base}: no conversation; the application answers in mode hold`);
    }

    const speech: Obj = {};
    for (const kind of ['stt', 'tts'] as const) {
      const s = first(tenant[kind], `${base}.${kind}`, extraProviders);
      if (!s.value) continue;
      mark(tenant, kind);
      if (str(s.value.providerType) && s.value.providerType !== 'watson') {
        // MRCPv2 (or another non-Watson provider): we have no client for it. The tenant keeps the
        // embedded engine and the whole provider block is reported.
        report.notes.push(`${s.path}: provider "${String(s.value.providerType)}" is not supported; the embedded engine speaks/listens instead`);
        used.get(tenant)?.delete(kind);
        if (s.path !== `${base}.${kind}`) report.unmapped.push(s.path);
        continue;
      }
      const cred = isObj(s.value.credentials) ? s.value.credentials : undefined;
      const cfg = isObj(s.value.config) ? s.value.config : undefined;
      mark(s.value, 'credentials', 'config');
      if (!cred) continue;
      mark(cred, 'url');
      if (isPlaceholder(cred.url) || !str(cred.url)) report.placeholders.push(`${s.path}.credentials.url`);
      const auth = credentialsOf(cred, `${s.path}.credentials`, mark, report.placeholders);
      if (!auth || isPlaceholder(cred.url) || !str(cred.url)) {
        report.notes.push(`${s.path}: the embedded engine stands in until the credentials are filled in`);
        continue;
      }
      const e: Obj = { engine: 'watson', url: str(cred.url), auth };
      const options: Obj = {};
      if (cfg) {
        used.set(cfg, used.get(cfg) ?? new Set());
        for (const [k, v] of Object.entries(cfg)) {
          if (isPlaceholder(v)) {
            report.placeholders.push(`${s.path}.config.${k}`);
            mark(cfg, k);
          } else if (kind === 'stt' && k === 'model' && str(v)) (e.model = str(v), mark(cfg, k));
          else if (kind === 'stt' && k === 'smart_formatting' && typeof v === 'boolean') (e.smartFormatting = v, mark(cfg, k));
          else if (kind === 'tts' && k === 'voice' && str(v)) (e.voice = str(v), mark(cfg, k));
          else if (PARAMETER_NAME.test(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && !STT_OWN_KEYS.has(k)) {
            // Watson's own parameters (customizations, profanity filter, …) pass through unchanged.
            options[k] = v;
            mark(cfg, k);
          }
        }
      }
      if (Object.keys(options).length) e.options = options;
      speech[kind] = e;
    }
    if (Object.keys(speech).length) app.speech = speech;

    const rep = isObj(tenant.reporting) ? tenant.reporting : undefined;
    if (rep && str(rep.url) && !isPlaceholder(rep.url) && (str(rep.password) || str(rep.token))) {
      mark(tenant, 'reporting');
      mark(rep, 'url', 'password', 'token', 'username', 'cdrEventIndex', 'transcriptionEventIndex', 'conversationEventIndex', 'cdrEventSourceType', 'transcriptionEventSourceType', 'conversationEventSourceType');
      const token = str(rep.password) ?? str(rep.token);
      const index = (k: string, d: string): string => str(rep[k]) ?? d;
      const st = { cdr: str(rep.cdrEventSourceType), transcription: str(rep.transcriptionEventSourceType), conv: str(rep.conversationEventSourceType) };
      const sourceTypes = Object.values(st).some(Boolean) ? Object.fromEntries(Object.entries(st).filter(([, v]) => v)) : undefined;
      app.forwarding = {
        enabled: true,
        transcriptionReports: !!str(rep.transcriptionEventIndex),
        // IBM's reporting wrote the Voice Gateway event shape: the sink keeps it (format ibm).
        sinks: [
          {
            type: 'splunk-hec',
            name: 'ibm-reporting',
            url: rep.url,
            token,
            format: 'ibm',
            ibm: {
              indexes: { cdr: index('cdrEventIndex', 'cdr'), transcription: index('transcriptionEventIndex', 'transcription'), conv: index('conversationEventIndex', 'conv') },
              ...(sourceTypes ? { sourceTypes } : {}),
            },
          },
        ],
      };
    } else if (rep) {
      for (const k of ['url', 'password', 'token']) if (k in rep && isPlaceholder(rep[k])) report.placeholders.push(`${base}.reporting.${k}`);
    }

    const parsed = applicationSchema.safeParse(app);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      report.error = `${issue.path.map(String).join('.') || '(application)'}: ${issue.message}`;
      return;
    }
    ids.add(id);
    report.applicationId = id;
    leftovers(tenant, base, used, report.unmapped);
    report.unmapped.push(...extraProviders);
    // a placeholder is reported as one, not again as unmapped
    report.unmapped = [...new Set(report.unmapped)].filter((p) => !report.placeholders.includes(p)).sort();
    report.placeholders = [...new Set(report.placeholders)].sort();
    result.applications.push(parsed.data);
    result.inputs.push(app);
  });
  return { ok: true, value: result };
}

/** A human-readable report (no values: they may be credentials). */
export function formatImportReport(reports: readonly TenantReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    if (r.error) lines.push(`tenant ${r.tenant}: SKIPPED (${r.error})`);
    else lines.push(`tenant ${r.tenant} → application ${r.applicationId}: ${r.unmapped.length || r.placeholders.length ? `${r.unmapped.length} field(s) not mapped, ${r.placeholders.length} placeholder(s)` : 'fully mapped'}`);
    for (const p of r.placeholders) lines.push(`  placeholder, fill in: ${p}`);
    for (const p of r.unmapped) lines.push(`  not mapped: ${p}`);
    for (const n of r.notes) lines.push(`  note: ${n}`);
  }
  return lines.join('\n') + '\n';
}
