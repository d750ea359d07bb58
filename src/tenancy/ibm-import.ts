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
  /** JSON paths (`tenants.0.stt.config.profanity_filter`) of fields that were not carried over. */
  unmapped: string[];
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

function watsonAuth(c: Obj, mark: (o: Obj, ...k: string[]) => void): Obj | undefined {
  const apiKey = str(c.apikey) ?? str(c.apiKey);
  if (apiKey) {
    mark(c, 'apikey', 'apiKey', 'tokenServiceProviderUrl');
    const iamUrl = iamUrlOf(str(c.tokenServiceProviderUrl));
    return { kind: 'iam', apiKey, ...(iamUrl ? { iamUrl } : {}) };
  }
  if (str(c.username) && str(c.password)) {
    mark(c, 'username', 'password');
    return { kind: 'basic', username: c.username, password: c.password };
  }
  return undefined;
}

export function importIbmTenants(json: unknown, opts: { region?: string } = {}): { ok: true; value: IbmImportResult } | { ok: false; error: string } {
  if (!isObj(json) || !Array.isArray(json.tenants)) return { ok: false, error: 'not an IBM Voice Gateway multi-tenant file: expected {"tenants": [...]}' };
  const result: IbmImportResult = { applications: [], inputs: [], reports: [] };
  const ids = new Set<string>();
  json.tenants.forEach((tenant, ti) => {
    const base = `tenants.${ti}`;
    const report: TenantReport = { tenant: ti, unmapped: [] };
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
    if (!uri) {
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
      const c = conv.value;
      mark(tenant, 'conversation');
      const url = str(c.url);
      const ws = str(c.workspaceID) ?? str(c.workspaceId);
      mark(c, 'url', 'workspaceID', 'workspaceId');
      if (url && /assistant\.watson|watsonplatform\.net|conversation/i.test(url)) {
        const apiKey = str(c.apikey) ?? str(c.apiKey);
        mark(c, 'apikey', 'apiKey', 'tokenServiceProviderUrl');
        const auth = apiKey
          ? { type: 'iam', apiKey, ...(iamUrlOf(str(c.tokenServiceProviderUrl)) ? { iamUrl: iamUrlOf(str(c.tokenServiceProviderUrl)) } : {}) }
          : (mark(c, 'username', 'password'), { type: 'basic', username: c.username, password: c.password });
        app.dialog = { provider: 'watson-assistant', apiVersion: 'v1', url, workspaceId: ws, auth };
      } else if (url) {
        mark(c, 'username', 'password');
        app.dialog = { provider: 'webhook', url, workspaceId: ws, auth: str(c.username) ? { type: 'basic', username: c.username, password: c.password } : { type: 'none' } };
      }
    }

    const speech: Obj = {};
    for (const kind of ['stt', 'tts'] as const) {
      const s = first(tenant[kind], `${base}.${kind}`, extraProviders);
      if (!s.value) continue;
      mark(tenant, kind);
      const cred = isObj(s.value.credentials) ? s.value.credentials : undefined;
      const cfg = isObj(s.value.config) ? s.value.config : undefined;
      if (!cred || !str(cred.url)) continue;
      mark(s.value, 'credentials', 'config');
      mark(cred, 'url');
      const auth = watsonAuth(cred, mark);
      if (!auth) continue;
      if (kind === 'stt') {
        const e: Obj = { engine: 'watson', url: cred.url, auth };
        if (cfg && str(cfg.model)) (e.model = cfg.model, mark(cfg, 'model'));
        if (cfg && typeof cfg.smart_formatting === 'boolean') (e.smartFormatting = cfg.smart_formatting, mark(cfg, 'smart_formatting'));
        speech.stt = e;
      } else {
        const e: Obj = { engine: 'watson', url: cred.url, auth };
        if (cfg && str(cfg.voice)) (e.voice = cfg.voice, mark(cfg, 'voice'));
        speech.tts = e;
      }
      if (cfg && !used.has(cfg)) used.set(cfg, new Set());
    }
    if (Object.keys(speech).length) app.speech = speech;

    const rep = isObj(tenant.reporting) ? tenant.reporting : undefined;
    if (rep && str(rep.url) && (str(rep.password) || str(rep.token))) {
      mark(tenant, 'reporting');
      mark(rep, 'url', 'password', 'token', 'username', 'cdrEventIndex', 'transcriptionEventIndex');
      app.forwarding = {
        enabled: true,
        transcriptionReports: !!str(rep.transcriptionEventIndex),
        sinks: [{ type: 'splunk-hec', name: 'ibm-reporting', url: rep.url, token: str(rep.password) ?? str(rep.token), ...(str(rep.cdrEventIndex) ? { index: rep.cdrEventIndex } : {}) }],
      };
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
    report.unmapped = [...new Set(report.unmapped)].sort();
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
    else lines.push(`tenant ${r.tenant} → application ${r.applicationId}: ${r.unmapped.length ? `${r.unmapped.length} field(s) not mapped` : 'fully mapped'}`);
    for (const p of r.unmapped) lines.push(`  not mapped: ${p}`);
  }
  return lines.join('\n') + '\n';
}
