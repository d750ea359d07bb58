/**
 * Per-application voice-agent resources, built on first use and shared by that application's
 * calls: the dialog factory, the speech engines (the embedded recogniser's warm decoder pool is
 * shared by every application with the same STT settings), the TTS cache (with the privacy
 * engine's PII exclusion, invariant I3) and the parsed privacy policy.
 */
import type { Logger } from 'pino';
import type { ApplicationConfig } from '../config/schema.js';
import type { CallBehaviour } from '../call/call-manager.js';
import { AgentSession, type TurnTimings } from '../call/agent-session.js';
import { createDialogFactory, type DialogFactory } from '../dialog/create.js';
import { createStt, createTts, createTtsCache } from '../speech/factory.js';
import type { Stt, Tts } from '../speech/types.js';
import type { TtsCache } from '../speech/tts-cache.js';
import { parsePrivacyPolicy, DEFAULT_PRIVACY_POLICY, type PrivacyPolicy } from '../privacy/policy.js';
import { detect } from '../privacy/detect.js';

interface AppResources {
  dialog: DialogFactory;
  remote: boolean;
  stt: Stt;
  tts: Tts;
  policy: PrivacyPolicy;
}

export class AgentRuntime {
  private readonly apps = new Map<ApplicationConfig, Promise<AppResources>>();
  private readonly stts = new Map<string, Promise<Stt>>();
  private readonly caches = new Map<string, TtsCache | undefined>();
  onTurnTimings?: (t: TurnTimings, applicationId: string) => void;

  constructor(
    private readonly log: Logger,
    private readonly defaultCountry: string,
    private readonly baseDir?: string,
  ) {}

  /** Build (or reuse) an application's resources; throws with a clear message when they cannot be built. */
  resources(app: ApplicationConfig): Promise<AppResources> {
    let r = this.apps.get(app);
    if (!r) {
      r = this.build(app);
      this.apps.set(app, r);
      r.catch(() => this.apps.delete(app));
    }
    return r;
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
    if (!this.caches.has(cacheKey)) this.caches.set(cacheKey, createTtsCache(app.speech.ttsCache, (text) => detect(text).length > 0));
    const tts = createTts(app.speech.tts, this.caches.get(cacheKey));
    const p = app.privacy ? parsePrivacyPolicy(app.privacy) : { ok: true as const, policy: DEFAULT_PRIVACY_POLICY };
    if (!p.ok) throw new Error(`application ${app.id}: privacy: ${p.error}`);
    return { dialog: d.factory, remote: dialogCfg.provider !== 'local', stt: await stt, tts, policy: p.policy };
  }

  /** Warm up every agent application at start, so the first caller does not wait for model loading. */
  async prepare(apps: ApplicationConfig[]): Promise<void> {
    await Promise.all(apps.filter((a) => a.mode === 'agent').map((a) => this.resources(a)));
  }

  behaviour(): CallBehaviour {
    return (call) => {
      const app = call.route.application;
      this.resources(app).then(
        (res) => {
          if (call.session.state === 'ended') return;
          const session = new AgentSession(call, {
            dialog: res.dialog.newDialog(),
            remoteDialog: res.remote,
            stt: res.stt,
            tts: res.tts,
            policy: res.policy,
            defaultCountry: this.defaultCountry,
            log: this.log.child({ callId: call.info.callId, applicationId: app.id }),
            onTurnTimings: (t) => this.onTurnTimings?.(t, app.id),
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
    for (const r of this.apps.values()) {
      try {
        const res = await r;
        res.dialog.close();
        await res.tts.close();
      } catch {
        // already reported
      }
    }
    for (const s of this.stts.values()) {
      try {
        await (await s).close();
      } catch {
        // already reported
      }
    }
  }
}
