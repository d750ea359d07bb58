/**
 * The composition root: builds every layer from the configuration and owns the process's
 * lifecycle. Layers are created bottom-up (transports → stack → UA core → calls → admin) and
 * shut down top-down. This is the only place that knows all modules.
 */
import type { FastifyInstance } from 'fastify';
import { Registry, Gauge, Counter, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import { ConfigError, keysDirOf, nodeIdOf, type Config } from '../config/index.js';
import type { AccountConfig, ApplicationConfig } from '../tenancy/index.js';
import { UdpTransport } from '../sip/index.js';
import { listenTcp } from '../sip/index.js';
import { listenTls, type TlsTransport, type TlsReloadResult } from '../sip/index.js';
import type { Transport } from '../sip/index.js';
import { SipStack } from '../sip/index.js';
import { UserAgent } from '../sip/index.js';
import { OverloadGuard } from '../sip/index.js';
import { inviteAuthenticator } from '../sip/index.js';
import { NumberRouter } from '../tenancy/index.js';
import { InboundCalls } from '../call/index.js';
import { startAdminServer } from '../admin/index.js';
import { GatewayMetrics, registerConventionalNames } from '../admin/index.js';
import { ApiKeyStore } from '../admin/index.js';
import { CallStories, policyOfApplication } from '../admin/index.js';
import { openStore, sqlitePathFor } from '../store/index.js';
import { PRIVATE_DIR_MODE, tighten, tightenSqliteCompanions, tightenTree } from '../store/index.js';
import { OutboundCalls } from '../call/index.js';
import { systemClock } from '../time/index.js';
import { streamBehaviour } from '../call/index.js';
import { mkdirSync, existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Store } from '../store/index.js';
import { TenancyStore } from '../tenancy/index.js';
import { TenancyRouting } from '../tenancy/index.js';
import { RtpMediaFactory } from './rtp-media.js';
import { configureSrtpBackend, udpSendStats, udpRecvStats, rtpPairStats } from '../media/index.js';
import { PauseMonitor } from './pause-monitor.js';
import { PauseTrace } from './pause-trace.js';
import { registerAsyncOpenFds } from './open-fds-metric.js';
import { AgentResourcePool } from './agent-resource-pool.js';
import { PrivacyRecords } from './privacy-records.js';
import { CallReporting } from './call-reporting.js';
import { FileKeyStore, readOrCreateKeyFile, type KeyStore } from '../training/index.js';
import { hostname } from 'node:os';
import type { Fleet } from '../fleet/index.js';
import { onRedactions } from '../privacy/index.js';
import { fleetEnabled, localErasure, openFleet } from './fleet-node.js';

export class Gateway {
  stack!: SipStack;
  ua!: UserAgent;
  calls!: InboundCalls;
  /** Calls placed through trunks (POST /v1/calls); once answered they are in `calls.calls` too. */
  outbound!: OutboundCalls;
  admin?: FastifyInstance;
  readonly registry = new Registry();
  private router!: NumberRouter;
  private media!: RtpMediaFactory;
  agents!: AgentResourcePool;
  /** Event forwarding and training capture fed by the calls' events (issues 6, 7). */
  reporting?: CallReporting;
  /** Live and recent calls' timelines for the console (gated for the operator). */
  stories?: CallStories;
  private stopping = false;
  /** Accounts, applications and numbers (the control region's store); routing follows it. */
  tenancy!: TenancyStore;
  /** The accounts as the tenancy store has them now (file-managed and API-managed). */
  private accounts: AccountConfig[] = [];
  /** Set once reporting and the agent runtime exist, so store changes reach them. */
  private following = false;
  /** Stops feeding `hushgate_redactions_total` from the privacy gate (set at start). */
  private stopCountingRedactions?: () => void;
  private followChain: Promise<void> = Promise.resolve();
  routing!: TenancyRouting;
  apiKeys!: ApiKeyStore;
  metrics!: GatewayMetrics;
  private controlStore?: Store;
  /** Refuses new calls past `sip.maxCalls` or while the event loop lags. */
  overload!: OverloadGuard;
  /** The SIP over TLS transport, when `sip.transports` has `tls`. */
  tls?: TlsTransport;
  /** Region KEKs (`keysDir`): training data keys and the tenancy store's credentials. */
  private keyStore!: KeyStore;
  /** Privacy receipts and call recordings. */
  records?: PrivacyRecords;
  /** This process's stable name (`node.id`, default `<hostname>:<sip.port>`): in logs, events, receipts, fleet tables. */
  readonly nodeId: string;
  /** This node's part in a fleet (shared PostgreSQL, LISTEN/NOTIFY), when `fleet.enabled`. */
  fleet?: Fleet;
  private pauses?: PauseMonitor;
  /** The pause timeline (HUSHGATE_PAUSE_TRACE=file), written at stop; null normally. */
  private readonly pauseTrace = PauseTrace.fromEnv();
  /** Which library protects SRTP in this process (config `media.srtpBackend`, resolved at start). */
  srtpBackend!: { backend: 'libsrtp' | 'openssl'; libsrtpVersion: string | null; libsrtpHmac: string | null };

  constructor(
    readonly config: Config,
    readonly log: Logger,
    /** Directory relative paths in the config (flows, CA files) are resolved against. */
    readonly configDir?: string,
  ) {
    this.nodeId = nodeIdOf(config, hostname());
  }

  async start(): Promise<void> {
    const c = this.config;
    // Before anything listens: a gateway told to use libsrtp must not start on the fallback.
    const srtp = configureSrtpBackend(c.media.srtpBackend);
    if (!srtp.ok) throw new Error(`media.srtpBackend: libsrtp requested but ${srtp.reason}`);
    this.srtpBackend = srtp;
    this.router = new NumberRouter(c.accounts, c.defaultCountry);
    this.privateData();
    this.keyStore = new FileKeyStore(keysDirOf(c));
    await this.openTenancy();
    if (fleetEnabled(c)) {
      this.fleet = await openFleet(c, this.controlStore!, this.nodeId, this.log.child({ module: 'fleet' }));
      // A change committed anywhere in the fleet (a trigger NOTIFYs it) rebuilds routing here at once.
      this.fleet.onTenancyChange(() => void this.routing.refresh());
    }
    const transports: Transport[] = [];
    const limits = {
      maxConnections: c.sip.connections.max,
      maxConnectionsPerSource: c.sip.connections.maxPerSource,
      headerTimeoutMs: c.sip.connections.headerTimeoutSec * 1000,
      idleTimeoutMs: c.sip.connections.idleTimeoutSec * 1000,
    };
    for (const t of c.sip.transports) {
      if (t === 'udp') transports.push(await UdpTransport.listen(c.sip.host, c.sip.port));
      else if (t === 'tcp') transports.push(await listenTcp(c.sip.host, c.sip.port, c.sip.maxMessageBytes, limits));
      else if (c.sip.tls) {
        // The config schema requires sip.tls with transport tls; unusable PEM files fail start-up with their path.
        this.tls = await listenTls(c.sip.host, c.sip.tls.port, { ...c.sip.tls, maxMessageBytes: c.sip.maxMessageBytes, limits });
        transports.push(this.tls);
      }
    }
    const advertisedHost = c.sip.advertisedHost ?? (c.sip.host === '0.0.0.0' || c.sip.host === '::' ? '127.0.0.1' : c.sip.host);
    this.stack = new SipStack({
      transports,
      logger: this.log.child({ module: 'sip' }),
      advertisedHost,
      allowFrom: c.sip.allowFrom,
      maxMessageBytes: c.sip.maxMessageBytes,
      userAgent: c.sip.userAgent,
      timerConfig: c.sip.timers,
    });
    // A stream connection carrying a call is never closed as idle (signalling may be quiet for the whole call).
    this.stack.dialogOnConnection = (id) => this.ua.activeSessions().some((s) => s.source.connectionId === id);
    this.overload = new OverloadGuard({ maxCalls: c.sip.maxCalls, maxLagMs: c.sip.maxEventLoopLagMs });
    this.ua = new UserAgent(this.stack, { logger: this.log.child({ module: 'ua' }), sessionTimer: { sessionExpires: c.sip.sessionExpires, minSE: c.sip.minSE }, overload: this.overload, tryingDelayMs: c.sip.tryingDelayMs,
      ...(c.sip.auth ? { auth: inviteAuthenticator(c.sip.auth, this.log.child({ module: 'auth' })) } : {}),
    });
    const throttle = this.ua.auth?.throttle;
    if (this.fleet && throttle) await this.fleet.shareAuthFailures(throttle);
    this.media = new RtpMediaFactory({
      host: c.media.host,
      advertisedHost: c.media.advertisedHost ?? advertisedHost,
      portMin: c.media.rtpPortMin,
      portMax: c.media.rtpPortMax,
      playoutPhases: c.media.playoutPhases,
      workers: c.media.workers,
      srtpBackend: c.media.srtpBackend,
      latching: c.media.latching,
      logger: this.log.child({ module: 'media' }),
      onTick: this.pauseTrace ? this.pauseTrace.tick.bind(this.pauseTrace) : undefined,
    });
    await this.prepareVads();
    await this.media.ready();
    this.calls = new InboundCalls(this.ua, () => this.router, this.media, this.log.child({ module: 'call' }));
    this.calls.baseDir = this.configDir;
    this.outbound = new OutboundCalls({
      ua: this.ua, media: this.media, table: this.calls, accounts: () => this.accounts, trunks: c.trunks, defaultCountry: c.defaultCountry,
      log: this.log.child({ module: 'outbound' }), clock: systemClock, ...(this.configDir ? { baseDir: this.configDir } : {}),
    });
    // The TTS cache's entry names are keyed by a per-installation secret (not guessable from the text).
    const ttsCacheSecret = readOrCreateKeyFile(join(keysDirOf(c), 'tts-cache.key'));
    this.agents = new AgentResourcePool(this.log.child({ module: 'agent' }), c.defaultCountry, this.configDir, ttsCacheSecret);
    this.agents.pseudonymSecret = (accountId) => this.keyStore.pseudonymSecret(accountId);
    this.calls.setBehaviour('agent', this.agents.behaviour());
    this.calls.setBehaviour('stream', streamBehaviour({ clock: systemClock, log: this.log.child({ module: 'stream' }), defaultCountry: c.defaultCountry }));
    // Load speech models and flows before taking calls, so the first caller does not wait.
    // The file's applications must be able to run (a broken flow fails start-up, naming the application);
    // the store's others (created through the admin API) are warmed too, and only logged if they cannot be.
    await this.agents.prepare(c.accounts.flatMap((a) => a.applications));
    await this.agents.warmUp();
    await this.agents.retain(this.accounts.flatMap((a) => a.applications), []);
    this.registerMetrics();
    this.reporting = await CallReporting.open({
      config: c, calls: this.calls, log: this.log.child({ module: 'reporting' }), registry: this.registry, keyStore: this.keyStore, nodeId: this.nodeId,
      mediaSecurityOf: (callId) => (this.calls.calls.get(callId)?.info.audio?.srtp ? 'srtp' : 'rtp'),
    });
    await this.reporting.applyAccounts(this.accounts);
    await this.reporting.start();
    // Privacy receipts and call recordings, on the training module's region stores and keys.
    this.records = await PrivacyRecords.open({ config: c, calls: this.calls, training: this.reporting.training, log: this.log.child({ module: 'privacy-records' }) });
    this.records.applyAccounts(this.accounts);
    this.records.start();
    const records = this.records;
    this.calls.startRecording = (call) => records.startRecording(call);
    // What the console shows of a call, gated by its application's policy (`logs`: the operator's).
    this.stories = new CallStories({
      calls: this.calls, defaultCountry: c.defaultCountry, pseudonymSecret: (id) => this.reporting!.training.keyStore.pseudonymSecret(id),
      policyOf: (accountId, applicationId) => policyOfApplication(this.accounts, accountId, applicationId),
    });
    // Every destination's gate (logs — the stories above —, events, training, dialog, TTS cache) reports what it redacted.
    this.stopCountingRedactions = onRedactions((destination, counts) => counts.forEach((n, type) => this.metrics.countRedaction(type, destination, n)));
    this.reporting.training.eraser.register(this.stories);
    if (this.fleet) {
      // An erasure made here reaches the other nodes' outboxes; one made elsewhere reaches this one's.
      const participant = await this.fleet.followErasures(localErasure(this.reporting.forwarding, this.reporting.training.ring));
      this.reporting.training.eraser.register(participant);
    }
    // A call's end may leave resources of an application's old settings unused: close them. Calls
    // ending in the same turn share one collect (it walks every live call: once per call was
    // quadratic work at high call rates).
    let collectQueued = false;
    this.calls.on('event', (e) => {
      if (e.type !== 'call.ended' || collectQueued) return;
      collectQueued = true;
      setImmediate(() => {
        collectQueued = false;
        void this.agents.collect(this.liveApplications());
      });
    });
    this.following = true;
    this.admin = await startAdminServer({
      host: c.admin.host, port: c.admin.port, tls: c.admin.tls, allowPlainHttp: c.admin.allowPlainHttp, rateLimit: c.admin.rateLimit, log: this.log.child({ module: 'admin' }),
      registry: this.registry, ready: () => !this.stopping && !this.ua.draining,
      tenancy: this.tenancy, keys: this.apiKeys, calls: () => this.calls.calls.values(), stories: this.stories, outbound: this.outbound,
      training: { stores: this.reporting.training.stores, eraser: this.reporting.training.eraser, reader: this.reporting.training.reader },
      outbox: () => this.outboxDepth(Object.keys(c.regions)), nodeId: this.nodeId,
      dataDir: c.dataDir,
      records: { chains: records.chains, recordings: records.recordings, liveCall: (id) => this.calls.calls.get(id) },
      ...(this.fleet ? { fleet: this.fleet, limiter: this.fleet.limiter } : {}),
    });
    if (this.fleet) await this.joinFleet(advertisedHost);
    this.log.info(
      { node: this.nodeId, fleet: this.fleet !== undefined, sip: transports.map((t) => `${t.protocol.toLowerCase()}:${t.localAddress}:${t.localPort}`), admin: `${c.admin.host}:${this.adminPort}`, srtp: { backend: this.srtpBackend.backend, libsrtp: this.srtpBackend.libsrtpVersion, hmac: this.srtpBackend.libsrtpHmac } },
      'hushgate started',
    );
  }

  /** Registers this node in the fleet tables, feeds them its calls, and starts its heartbeat. */
  private async joinFleet(advertisedHost: string): Promise<void> {
    const fleet = this.fleet!;
    const c = this.config;
    this.calls.on('event', (e) => {
      if (e.type === 'call.started') fleet.callStarted({ callId: e.callId, accountId: e.accountId, applicationId: e.applicationId, startedAt: e.time });
      else if (e.type === 'call.ended') fleet.callEnded(e.callId);
    });
    await fleet.startNode({
      sip: `${advertisedHost}:${c.sip.port}`,
      admin: `${c.admin.host}:${this.adminPort}`,
      figures: async () => ({
        state: this.stopping || this.ua.draining ? 'draining' : 'serving',
        callsActive: this.calls.counters.active,
        callsTotal: this.calls.counters.total,
        callsRefused: this.ua.refusedWhileDraining + this.overload.shed.capacity + this.overload.shed.lag + (this.calls.counters.rejected[503] ?? 0),
        outboxDepth: (await this.outboxDepth(Object.keys(c.regions))).reduce((n, r) => n + r.depth, 0),
      }),
      liveCalls: () => [...this.calls.calls.values()].map((x) => ({ callId: x.info.callId, accountId: x.info.accountId, applicationId: x.info.applicationId, startedAt: x.info.startedAt })),
    });
  }

  /** Pending events per region (over all sinks) and the age of the oldest, for the admin API and metrics. */
  private async outboxDepth(regions: string[]): Promise<{ region: string; depth: number; oldestAgeSeconds: number }[]> {
    const out = [];
    for (const region of regions) {
      const ob = this.reporting?.forwarding.outbox(region);
      if (!ob) {
        out.push({ region, depth: 0, oldestAgeSeconds: 0 });
        continue;
      }
      let depth = 0;
      let oldest: number | undefined;
      for (const sink of await ob.store.sinksWithRows()) {
        const st = await ob.store.stats(sink);
        depth += st.pending;
        if (st.oldestPendingAt !== undefined) oldest = Math.min(oldest ?? Infinity, st.oldestPendingAt);
      }
      out.push({ region, depth, oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000) });
    }
    return out;
  }

  get adminPort(): number {
    const a = this.admin?.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /**
   * SIGHUP: re-read the TLS certificate, key and CA files. New handshakes use them; open
   * connections (and the calls on them) keep theirs. On failure the old material stays in use.
   * Logs the outcome only (file paths and OpenSSL's reason, never key bytes).
   */
  reloadTls(): TlsReloadResult | undefined {
    if (!this.tls) return undefined;
    const r = this.tls.reload();
    if (r.ok) this.log.info({ transport: 'tls' }, 'TLS certificate reloaded');
    else this.log.error({ transport: 'tls', error: r.error }, 'TLS certificate reload failed; keeping the previous certificate');
    return r;
  }

  /** Re-apply the file's accounts (new calls only; live calls keep their application). */
  async reloadRouting(config: Config): Promise<void> {
    await this.tenancy.seed(config.accounts);
    await this.routing.refresh();
  }

  /**
   * The data directory and everything in it are the gateway's alone (0700/0600). Data an older version
   * left readable by others is tightened here, one log line per path (paths name regions, not callers).
   * Key files are left to the key store, which refuses loose ones: a key others could read needs rotating.
   */
  private privateData(): void {
    const c = this.config;
    mkdirSync(c.dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const keysDir = join(keysDirOf(c)) + sep;
    const changed = tightenTree(c.dataDir, (p) => p.startsWith(keysDir));
    // A region store may live outside the data directory (`store.path`): its file and companions too.
    for (const [region, r] of Object.entries(c.regions)) {
      if (r.store.kind !== 'sqlite') continue;
      const p = sqlitePathFor(c.dataDir, region, r.store.path);
      if (existsSync(p) && !changed.includes(p) && tighten(p)) changed.push(p);
      for (const q of tightenSqliteCompanions(p)) if (!changed.includes(q)) changed.push(q);
    }
    for (const path of changed) this.log.warn({ path }, 'data path was readable by group or others; now owner-only');
  }

  /**
   * Load the VAD models the applications chose (`speech.vad`) before taking calls. One the file asks
   * for that cannot be loaded stops the start, naming the field; the store's other applications'
   * failures are logged (their calls hear with the energy VAD).
   */
  private async prepareVads(): Promise<void> {
    for (const [ai, account] of this.config.accounts.entries()) {
      for (const [pi, app] of account.applications.entries()) {
        await this.media.prepareVad(app.speech.vad).catch((err: unknown) => {
          const path = `accounts.${ai}.applications.${pi}.speech.vad`;
          throw new ConfigError([{ path, message: `the ${app.speech.vad} VAD cannot be loaded: ${err instanceof Error ? err.message : String(err)}` }], 'start');
        });
      }
    }
    await this.prepareStoredVads(this.accounts);
  }

  private async prepareStoredVads(accounts: readonly AccountConfig[]): Promise<void> {
    const kinds = new Set(accounts.flatMap((a) => a.applications.map((app) => app.speech.vad)));
    for (const kind of kinds) {
      await this.media.prepareVad(kind).catch((err: unknown) => this.log.error({ vad: kind, err: err instanceof Error ? err.message : String(err) }, 'VAD model cannot be loaded; its applications\' calls use the energy VAD'));
    }
  }

  /** Opens the control region's store, writes the file's accounts into it and follows it for routing. */
  private async openTenancy(): Promise<void> {
    const c = this.config;
    const region = c.tenancy.region ?? Object.keys(c.regions)[0]!;
    this.controlStore = await openStore(region, c.regions[region]!.store, c.dataDir);
    this.tenancy = await TenancyStore.open(this.controlStore, { defaultCountry: c.defaultCountry, regions: Object.keys(c.regions), keyStore: this.keyStore,
      onUnopenable: (err) => this.log.error({ applicationId: err.id, field: err.path }, 'application left out: a stored credential does not open with this gateway\'s region key (tampered with, or the key directory is not shared)'),
    });
    if (this.tenancy.sealedAtOpen) this.log.info({ rows: this.tenancy.sealedAtOpen }, 'tenancy: credentials stored in clear by an older version are now sealed');
    const seeded = await this.tenancy.seed(c.accounts);
    if (seeded.removed.applications.length || seeded.handedOver.accounts.length) this.log.info({ removed: seeded.removed, handedOver: seeded.handedOver }, 'tenancy: file-managed entries no longer in the file');
    this.apiKeys = await ApiKeyStore.open(this.controlStore);
    // A fleet hears of changes through LISTEN/NOTIFY; polling is only for PostgreSQL without one.
    const pollSeconds = c.tenancy.pollSeconds ?? (this.controlStore.dialect === 'postgres' && !fleetEnabled(c) ? 2 : 0);
    this.routing = new TenancyRouting(this.tenancy, {
      defaultCountry: c.defaultCountry,
      pollMs: pollSeconds * 1000,
      onRebuilt: (router, _revision, accounts) => {
        this.router = router;
        this.accounts = accounts;
        if (this.following) this.followAccounts(accounts);
      },
      onError: (err) => this.log.error({ err }, 'routing table rebuild failed; keeping the previous one'),
    });
    await this.routing.start();
  }

  /**
   * The tenancy store changed: new calls already route by the new table; now reporting (forwarding,
   * training, privacy gates) and the agent runtime (warm resources) follow. Live calls keep theirs.
   * Changes are applied in order, one at a time; a failure is logged and the next change retries.
   */
  private followAccounts(accounts: AccountConfig[]): void {
    this.followChain = this.followChain.then(async () => {
      try {
        await this.reporting?.applyAccounts(accounts);
        this.records?.applyAccounts(accounts);
        if (this.media) await this.prepareStoredVads(accounts);
        await this.agents.retain(accounts.flatMap((a) => a.applications), this.liveApplications());
        this.log.info({ applications: accounts.reduce((n, a) => n + a.applications.length, 0) }, 'applications changed; new calls use the new settings');
      } catch (err) {
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'applying the changed applications failed; keeping the previous settings');
      }
    });
  }

  /** Resolves once every tenancy change made so far has reached routing, reporting and the agent runtime. */
  async settled(): Promise<void> {
    await this.routing.refresh();
    await this.followChain;
  }

  private liveApplications(): ApplicationConfig[] {
    return [...this.calls.calls.values()].map((c) => c.route.application);
  }

  private registerMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
    registerAsyncOpenFds(this.registry); // the default reads /proc/self/fd synchronously: a stall per scrape at 1,000 calls
    const trace = this.pauseTrace;
    if (trace) {
      // A scrape runs every collector on this thread: on the timeline, so a late tick can be put down to it.
      const metrics = this.registry.metrics.bind(this.registry);
      this.registry.metrics = async () => {
        const t = performance.now();
        try {
          return await metrics();
        } finally {
          trace.scrape(t, performance.now() - t);
        }
      };
    }
    this.metrics = new GatewayMetrics(this.registry);
    this.calls.on('event', (e) => {
      if (e.type === 'call.ended') this.metrics.observeCallMedia(e.media);
      else if (e.type === 'turn.completed' && !e.error) {
        if (e.totalToFirstAudioMs !== undefined) this.metrics.observeTurn({ applicationId: e.applicationId, latencyMs: e.totalToFirstAudioMs });
        if (e.sttMs !== undefined) this.metrics.observeStt({ engine: 'configured', latencyMs: e.sttMs });
        if (e.dialogMs !== undefined) this.metrics.observeDialog({ provider: 'configured', latencyMs: e.dialogMs });
        if (e.ttsFirstAudioMs !== undefined) this.metrics.observeTts({ engine: 'configured', latencyMs: e.ttsFirstAudioMs, cached: e.ttsFirstAudioMs < 5 });
      }
    });
    const calls = this.calls;
    new Gauge({ name: 'hushgate_calls_active', help: 'Calls in progress', registers: [this.registry], collect() { this.set(calls.counters.active); } });
    new Counter({ name: 'hushgate_calls_total', help: 'Calls answered since start', registers: [this.registry], collect() { this.reset(); this.inc(calls.counters.total); } });
    const stack = this.stack;
    new Gauge({ name: 'hushgate_sip_messages_received', help: 'SIP messages received', registers: [this.registry], collect() { this.set(stack.counters.received); } });
    new Gauge({ name: 'hushgate_sip_malformed', help: 'Malformed SIP messages', registers: [this.registry], collect() { this.set(stack.counters.malformed); } });
    const scheduler = this.media.scheduler;
    new Gauge({
      name: 'hushgate_media_scheduler_lateness_ms',
      help: 'Playout scheduler tick lateness (now - deadline) over the last 4096 ticks',
      labelNames: ['quantile'],
      registers: [this.registry],
      collect() {
        const l = scheduler.stats().latenessMs;
        this.set({ quantile: '0.5' }, l.p50);
        this.set({ quantile: '0.99' }, l.p99);
        this.set({ quantile: '1' }, l.max);
      },
    });
    // How this thread's RTP leaves (src/media/rtp/udp-batch.ts): native batched sends, or dgram and why.
    new Gauge({
      name: 'hushgate_media_udp_send',
      help: "Main-thread RTP send path: native (1 = batched sendto via native/udp, 0 = dgram), and the native path's packets, batches, packets re-sent through dgram (kernel buffer full) and errors",
      labelNames: ['stat'],
      registers: [this.registry],
      collect() {
        const u = udpSendStats();
        this.set({ stat: 'native' }, u.path === 'native' ? 1 : 0);
        this.set({ stat: 'packets' }, u.nativePackets);
        this.set({ stat: 'batches' }, u.batches);
        this.set({ stat: 'retried' }, u.retriedViaDgram);
        this.set({ stat: 'errors' }, u.errors);
      },
    });
    new Gauge({
      name: 'hushgate_media_udp_recv',
      help: 'Main-thread RTP receive path: native (1 = recvmmsg into a shared ring via native/udp, 0 = dgram), sockets read natively now, and sockets that fell back to dgram at open',
      labelNames: ['stat'],
      registers: [this.registry],
      collect() {
        const r = udpRecvStats();
        this.set({ stat: 'native' }, r.path === 'native' ? 1 : 0);
        this.set({ stat: 'sockets' }, r.sockets);
        this.set({ stat: 'fell_back' }, r.fellBack);
      },
    });
    const media = this.media;
    new Gauge({
      name: 'hushgate_media_rtp_pairs',
      help: "Closed calls' RTP/RTCP pairs: parked now (bound, read, waiting for quiet), reused, reused before their quiet time (no port free), retired (kept hearing traffic), closed (park full)",
      labelNames: ['stat'],
      registers: [this.registry],
      collect() {
        const p = rtpPairStats(media.pool);
        this.set({ stat: 'parked' }, p.parked);
        this.set({ stat: 'reused' }, p.reused);
        this.set({ stat: 'reused_early' }, p.reusedEarly);
        this.set({ stat: 'retired' }, p.retired);
        this.set({ stat: 'closed' }, p.closed);
      },
    });
    // Event-loop delay and GC pauses since the previous scrape (pause-monitor.ts): what breaks 20 ms pacing.
    const pauses = (this.pauses = new PauseMonitor(this.pauseTrace));
    let lastPauses = pauses.take();
    const pauseWindow = () => (lastPauses = pauses.take());
    new Gauge({
      name: 'hushgate_event_loop_delay_ms',
      help: 'Event-loop delay since the previous scrape (perf_hooks monitorEventLoopDelay, 2 ms resolution)',
      labelNames: ['quantile'],
      registers: [this.registry],
      collect() {
        const w = pauseWindow();
        this.set({ quantile: '0.5' }, w.eventLoopDelayMs.p50);
        this.set({ quantile: '0.99' }, w.eventLoopDelayMs.p99);
        this.set({ quantile: '1' }, w.eventLoopDelayMs.max);
      },
    });
    new Gauge({
      name: 'hushgate_gc_pause_ms',
      help: 'Garbage-collection pauses since the previous scrape: quantile 0.99 and 1 (max), and count and total ms',
      labelNames: ['stat'],
      registers: [this.registry],
      collect() {
        // Registered after hushgate_event_loop_delay_ms, whose collect() opened the window this reads.
        const g = lastPauses.gcPauseMs;
        this.set({ stat: 'p99' }, g.p99);
        this.set({ stat: 'max' }, g.max);
        this.set({ stat: 'count' }, g.count);
        this.set({ stat: 'total' }, g.total);
      },
    });
    const overload = this.overload;
    new Gauge({
      name: 'hushgate_calls_shed',
      help: 'New calls refused with 503 because of sip.maxCalls (capacity) or event-loop lag (lag)',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        this.set({ reason: 'capacity' }, overload.shed.capacity);
        this.set({ reason: 'lag' }, overload.shed.lag);
      },
    });
    new Gauge({ name: 'hushgate_event_loop_lag_ms', help: 'How late the event loop ran at the last sample (ms)', registers: [this.registry], collect() { this.set(overload.lagMs); } });
    const ua = this.ua;
    new Gauge({ name: 'hushgate_sip_auth_failures', help: 'Digest responses that failed verification', registers: [this.registry], collect() { this.set(ua.authCounters.failed); } });
    new Gauge({ name: 'hushgate_sip_auth_replays', help: 'Digest responses refused as replays of a nonce and nc already used', registers: [this.registry], collect() { this.set(ua.authCounters.replays); } });
    const auth = this.ua.auth;
    const throttle = auth?.throttle;
    new Gauge({
      name: 'hushgate_sip_auth_state_entries',
      help: 'Authentication state held in memory: nonces tracked against replay, throttle keys (both bounded by sip.auth settings)',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.set({ kind: 'nonces' }, auth?.verifier.trackedNonces ?? 0);
        this.set({ kind: 'throttle' }, throttle?.size ?? 0);
      },
    });
    new Counter({ name: 'hushgate_sip_auth_throttled_total', help: 'INVITEs refused with 403 (not verified) by the authentication back-off or a block', registers: [this.registry], collect() { this.reset(); this.inc(ua.authCounters.throttled); } });
    new Counter({
      name: 'hushgate_sip_auth_blocks_total',
      help: 'Authentication blocks started, by scope: pair (source and username), source, user (sources never seen to authenticate as it)',
      labelNames: ['scope'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const scope of ['pair', 'source', 'user'] as const) this.inc({ scope }, throttle?.blocks[scope] ?? 0);
      },
    });
    new Gauge({ name: 'hushgate_sip_forbidden', help: 'Requests and connections from sources outside sip.allowFrom, dropped unanswered', registers: [this.registry], collect() { this.set(stack.counters.forbidden); } });
    new Gauge({
      name: 'hushgate_sip_connections_refused',
      help: 'Inbound TCP/TLS connections reset at accept, by reason (allowlist, global-cap, per-source-cap)',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        for (const [reason, n] of Object.entries(stack.connectionCounters().refused)) this.set({ reason }, n);
      },
    });
    new Gauge({
      name: 'hushgate_sip_connections_closed',
      help: 'Inbound TCP/TLS connections closed by the gateway, by reason (header-timeout, handshake-timeout, idle, framing, allowlist)',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        for (const [reason, n] of Object.entries(stack.connectionCounters().closed)) this.set({ reason }, n);
      },
    });
    // The same figures under Prometheus-conventional names too (_total, seconds); the old names stay.
    registerConventionalNames(this.registry);
  }

  /**
   * Delivers what it can before exit: waits (up to `ms`) for every region's outbox to empty, giving up
   * early when nothing has left for a second (a sink that is down will not take them now). What is
   * left stays in the outbox file and is delivered at the next start; the log line says how much.
   */
  private async flushOutbox(ms: number): Promise<void> {
    if (!this.reporting) return;
    const regions = Object.keys(this.config.regions);
    const until = Date.now() + ms;
    let depth = 0;
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      depth = (await this.outboxDepth(regions).catch(() => [])).reduce((n, r) => n + r.depth, 0);
      if (depth !== last) (last = depth), (lastChange = Date.now());
      if (depth === 0 || Date.now() >= until || Date.now() - lastChange >= 1000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (depth > 0) this.log.warn({ pending: depth }, 'shutting down with events still pending; they are delivered at the next start');
  }

  /** SIGTERM: stop accepting, let calls finish up to the grace period, BYE the rest, close. */
  async stop(graceMs = this.config.shutdown.graceSeconds * 1000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ graceMs, activeCalls: this.calls.calls.size }, 'shutting down');
    // OPTIONS and INVITE answer 503 from here on, so the dispatcher in front stops sending; the fleet sees it at once.
    this.ua.draining = true;
    await this.fleet?.heartbeat().catch(() => undefined);
    await this.outbound.close();
    await this.calls.drain(graceMs);
    await this.flushOutbox(this.config.shutdown.flushSeconds * 1000);
    // Give BYE transactions a moment to complete before the sockets close.
    const until = Date.now() + 2000;
    while (this.stack.clientTransactionCount() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await this.admin?.close();
    this.following = false;
    await this.followChain;
    await this.records?.stop();
    this.stories?.close();
    this.stopCountingRedactions?.();
    await this.reporting?.stop();
    this.routing?.stop();
    await this.stack.close();
    await this.media.close();
    await this.agents.close();
    await this.fleet?.close();
    await this.controlStore?.close();
    this.overload.close();
    this.pauses?.stop();
    this.pauseTrace?.write();
    this.log.info('stopped');
  }
}
