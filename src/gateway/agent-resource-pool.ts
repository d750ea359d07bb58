/**
 * The pool of per-application voice-agent resources, built on first use and shared by that application's
 * calls: the dialog factory, the speech engines (the embedded recogniser's warm decoder pool is
 * shared by every application with the same STT settings), the TTS cache (with the privacy
 * engine's PII exclusion, invariant I3) and the parsed privacy policy.
 *
 * Resources are keyed by the application's settings (a hash of its whole configuration), not by
 * object identity: the tenancy store hands out fresh objects on every change, and an application
 * whose settings did not change keeps its warm resources. When applications change (`retain`),
 * the resources of settings no longer configured are closed once no live call uses them
 * (`collect`, called again as calls end), so a live call never loses its dialog or voice.
 */
import type { Logger } from 'pino';
import type { ApplicationConfig } from '../tenancy/index.js';
import type { CallBehaviour } from '../call/index.js';
import { AgentSession, type TurnTimings } from '../call/index.js';
import { agentCallOf } from '../call/index.js';
import { systemClock, type Clock } from '../time/index.js';
import { createDialogFactory, type DialogFactory } from '../dialog/index.js';
import { createStt, createTts, createTtsCache } from '../speech/index.js';
import type { Stt, Tts } from '../speech/index.js';
import type { TtsCache } from '../speech/index.js';
import { parsePrivacyPolicy, DEFAULT_PRIVACY_POLICY, type PrivacyPolicy } from '../privacy/index.js';
import { detect, refuseForTtsCache } from '../privacy/index.js';
import { createHash, randomUUID } from 'node:crypto';
import type { ActiveCall, CallIdentity } from '../call/index.js';
import { numberKey } from '../tenancy/index.js';
import { pseudonymOf } from '../training/index.js';
import { headerUser } from './report-mapping.js';
import { applicationServiceBuilder } from './service-builder.js';

interface AppResources {
  dialog: DialogFactory;
  remote: boolean;
  stt: Stt;
  sttKey: string;
  tts: Tts;
  policy: PrivacyPolicy;
}

/** The identity of an application's resources: its id and a hash of all its settings. */
export function settingsKey(app: ApplicationConfig): string {
  // Cached per object: every call's end asks for the keys of all live calls' applications.
  let k = keys.get(app);
  if (k === undefined) {
    k = `${app.id}:${createHash('sha256').update(JSON.stringify(app)).digest('base64url')}`;
    keys.set(app, k);
  }
  return k;
}
const keys = new WeakMap<ApplicationConfig, string>();

export class AgentResourcePool {
  private readonly apps = new Map<string, Promise<AppResources>>();
  /** Settings keys of the applications configured now; undefined until the first `retain`. */
  private current: Set<string> | undefined;
  private readonly stts = new Map<string, Promise<Stt>>();
  private readonly caches = new Map<string, TtsCache | undefined>();
  onTurnTimings?: (t: TurnTimings, applicationId: string) => void;

  /**
   * The account's pseudonym secret (the training key store's): `context.metadata.user_id` is the
   * caller's keyed pseudonym, stable across calls and meaningless outside the account. Without one,
   * a random per-call value stands in (never the number itself).
   */
  pseudonymSecret?: (accountId: string) => Promise<Buffer>;

  constructor(
    private readonly log: Logger,
    private readonly defaultCountry: string,
    private readonly baseDir?: string,
    /** The installation's TTS cache key secret (`<dataDir>/keys/tts-cache.key`); the disk tier needs it. */
    private readonly ttsCacheSecret?: Buffer,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Build (or reuse) an application's resources; throws with a clear message when they cannot be built. */
  resources(app: ApplicationConfig): Promise<AppResources> {
    const key = settingsKey(app);
    let r = this.apps.get(key);
    if (!r) {
      r = this.build(app);
      this.apps.set(key, r);
      r.catch(() => this.apps.delete(key));
    }
    return r;
  }

  /**
   * The configured applications changed: warm up the agent applications that are new, and close
   * what no configured application and no live call (`inUse`) needs any more.
   */
  async retain(apps: readonly ApplicationConfig[], inUse: Iterable<ApplicationConfig>): Promise<void> {
    this.current = new Set(apps.map(settingsKey));
    await Promise.all([this.prepare(apps.filter((a) => !this.apps.has(settingsKey(a)))).catch((err: Error) => {
      this.log.error({ err: err.message }, 'agent application cannot be prepared; its calls will be refused');
    }), this.collect(inUse)]);
  }

  /** Closes resources of settings that are no longer configured and that no live call uses. */
  async collect(inUse: Iterable<ApplicationConfig>): Promise<void> {
    if (!this.current) return;
    const used = new Set([...inUse].map(settingsKey));
    const stale = [...this.apps.keys()].filter((k) => !this.current!.has(k) && !used.has(k));
    for (const k of stale) {
      const r = this.apps.get(k)!;
      this.apps.delete(k);
      await closeResources(r);
    }
    // Recognisers are shared by STT settings: close the ones no remaining application uses.
    const sttKeys = new Set<string>();
    for (const r of this.apps.values()) {
      const res = await r.catch(() => undefined);
      if (res) sttKeys.add(res.sttKey);
    }
    for (const [k, s] of [...this.stts]) {
      if (sttKeys.has(k)) continue;
      this.stts.delete(k);
      await s.then((stt) => stt.close(), () => undefined);
    }
  }

  private async build(app: ApplicationConfig): Promise<AppResources> {
    const dialogCfg = app.dialog ?? { provider: 'local' as const, variables: {} };
    const d = await createDialogFactory(dialogCfg, { baseDir: this.baseDir });
    if (!d.ok) throw new Error(`application ${app.id}: ${d.error}`);
    const sttKey = JSON.stringify(app.speech.stt);
    let stt = this.stts.get(sttKey);
    if (!stt) {
      stt = createStt(app.speech.stt).then((r) => {
        if (!r.ok) throw new Error(`application ${app.id}: speech.stt: ${r.error}`);
        return r.stt;
      });
      this.stts.set(sttKey, stt);
      stt.catch(() => this.stts.delete(sttKey));
    }
    const cacheKey = JSON.stringify(app.speech.ttsCache);
    if (!this.caches.has(cacheKey)) this.caches.set(cacheKey, createTtsCache(app.speech.ttsCache, (text) => refuseForTtsCache(text, detect), this.ttsCacheSecret));
    const tts = createTts(app.speech.tts, this.caches.get(cacheKey));
    const p = app.privacy ? parsePrivacyPolicy(app.privacy) : { ok: true as const, policy: DEFAULT_PRIVACY_POLICY };
    if (!p.ok) throw new Error(`application ${app.id}: privacy: ${p.error}`);
    return { dialog: d.factory, remote: dialogCfg.provider !== 'local', stt: await stt, sttKey, tts, policy: p.policy };
  }

  /** Warm up every agent application at start, so the first caller does not wait for model loading. */
  async prepare(apps: ApplicationConfig[]): Promise<void> {
    await Promise.all(apps.filter((a) => a.mode === 'agent').map((a) => this.resources(a)));
  }

  /** Start what the applications' first prompts would wait for (flite's warm helpers): the gateway calls this once, at start. */
  async warmUp(): Promise<void> {
    for (const r of this.apps.values()) await r.then((res) => res.tts.warmUp?.(), () => undefined);
  }

  behaviour(): CallBehaviour {
    return (call) => {
      const app = call.route.application;
      Promise.all([this.resources(app), this.identityOf(call)]).then(
        ([res, identity]) => {
          if (call.session.state === 'ended') return;
          const session = new AgentSession(agentCallOf(call, this.clock, { log: this.log.child({ module: 'stream' }), defaultCountry: this.defaultCountry }), {
            dialog: res.dialog.newDialog(),
            remoteDialog: res.remote,
            stt: res.stt,
            tts: res.tts,
            policy: res.policy,
            defaultCountry: this.defaultCountry,
            log: this.log.child({ callId: call.info.callId, applicationId: app.id }),
            onTurnTimings: (t) => this.onTurnTimings?.(t, app.id),
            services: applicationServiceBuilder(app, this.baseDir),
            clock: this.clock,
            endpointing: app.speech.endpointing,
            bargeIn: app.speech.bargeIn,
            identity,
          });
          session.start();
        },
        (err: Error) => {
          this.log.error({ applicationId: app.id, err }, 'agent application cannot run');
          void call.hangup('local-bye');
        },
      );
    };
  }

  /** The call's tenant, caller pseudonym and chosen INVITE headers (IBM's vgwTenantID, metadata.user_id, vgwSIPCustomInviteHeaders). */
  private async identityOf(call: ActiveCall): Promise<CallIdentity> {
    const { account, application: app, dialled } = call.route;
    const req = call.session.request;
    const tenantId = app.numbers.find((n) => !n.endsWith('*') && numberKey(n, this.defaultCountry) === dialled) ?? app.id;
    const caller = headerUser(req.headers.get('From') ?? '');
    let userId: string;
    try {
      if (!this.pseudonymSecret || !caller) throw new Error('no pseudonym secret');
      userId = pseudonymOf(await this.pseudonymSecret(account.id), caller, this.defaultCountry);
    } catch {
      userId = randomUUID();
    }
    const headers: Record<string, string> = {};
    for (const name of app.customSipInviteHeaders ?? []) {
      const v = req.headers.get(name);
      if (v !== undefined) headers[name] = v;
    }
    return { tenantId, userId, ...(Object.keys(headers).length ? { customInviteHeaders: headers } : {}) };
  }

  /** How many application settings and recognisers are held (for tests and the admin API). */
  held(): { applications: number; recognisers: number } {
    return { applications: this.apps.size, recognisers: this.stts.size };
  }

  cacheStats(): { hits: number; misses: number } {
    let hits = 0;
    let misses = 0;
    for (const c of this.caches.values()) {
      const s = c?.stats();
      if (s) {
        hits += s.hits;
        misses += s.misses;
      }
    }
    return { hits, misses };
  }

  async close(): Promise<void> {
    for (const r of this.apps.values()) await closeResources(r);
    for (const s of this.stts.values()) {
      try {
        await (await s).close();
      } catch {
        // already reported
      }
    }
  }
}

async function closeResources(r: Promise<AppResources>): Promise<void> {
  try {
    const res = await r;
    res.dialog.close();
    await res.tts.close();
  } catch {
    // a build that failed was already reported
  }
}
