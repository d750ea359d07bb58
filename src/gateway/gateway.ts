/**
 * The composition root: builds every layer from the configuration and owns the process's
 * lifecycle. Layers are created bottom-up (transports → stack → UA core → calls → admin) and
 * shut down top-down. This is the only place that knows all modules.
 */
import type { FastifyInstance } from 'fastify';
import { Registry, Gauge, Counter, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { UdpTransport } from '../sip/transport/udp.js';
import { listenTcp } from '../sip/transport/tcp.js';
import type { Transport } from '../sip/transport/types.js';
import { SipStack } from '../sip/stack.js';
import { UserAgent } from '../sip/user-agent.js';
import { NumberRouter } from '../tenancy/router.js';
import { CallManager } from '../call/call-manager.js';
import { startAdminServer } from '../admin/server.js';
import { RtpMediaFactory } from './rtp-media.js';

export class Gateway {
  stack!: SipStack;
  ua!: UserAgent;
  calls!: CallManager;
  admin?: FastifyInstance;
  readonly registry = new Registry();
  private router!: NumberRouter;
  private media!: RtpMediaFactory;
  private stopping = false;

  constructor(
    readonly config: Config,
    readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const c = this.config;
    this.router = new NumberRouter(c.accounts, c.defaultCountry);
    const transports: Transport[] = [];
    for (const t of c.sip.transports) {
      if (t === 'udp') transports.push(await UdpTransport.listen(c.sip.host, c.sip.port));
      else transports.push(await listenTcp(c.sip.host, c.sip.port, c.sip.maxMessageBytes));
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
    this.ua = new UserAgent(this.stack, { logger: this.log.child({ module: 'ua' }), sessionTimer: { sessionExpires: c.sip.sessionExpires, minSE: c.sip.minSE } });
    this.media = new RtpMediaFactory({
      host: c.media.host,
      advertisedHost: c.media.advertisedHost ?? advertisedHost,
      portMin: c.media.rtpPortMin,
      portMax: c.media.rtpPortMax,
      logger: this.log.child({ module: 'media' }),
    });
    this.calls = new CallManager(this.ua, () => this.router, this.media, this.log.child({ module: 'call' }));
    this.registerMetrics();
    this.admin = await startAdminServer({ host: c.admin.host, port: c.admin.port, registry: this.registry, ready: () => !this.stopping && !this.ua.draining });
    this.log.info(
      { sip: transports.map((t) => `${t.protocol.toLowerCase()}:${t.localAddress}:${t.localPort}`), admin: `${c.admin.host}:${this.adminPort}` },
      'hushgate started',
    );
  }

  get adminPort(): number {
    const a = this.admin?.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /** Swap the routing table (new calls only; live calls keep their application). */
  reloadRouting(config: Config): void {
    this.router = new NumberRouter(config.accounts, config.defaultCountry);
  }

  private registerMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
    const calls = this.calls;
    new Gauge({ name: 'hushgate_calls_active', help: 'Calls in progress', registers: [this.registry], collect() { this.set(calls.counters.active); } });
    new Counter({ name: 'hushgate_calls_total', help: 'Calls answered since start', registers: [this.registry], collect() { this.reset(); this.inc(calls.counters.total); } });
    const stack = this.stack;
    new Gauge({ name: 'hushgate_sip_messages_received', help: 'SIP messages received', registers: [this.registry], collect() { this.set(stack.counters.received); } });
    new Gauge({ name: 'hushgate_sip_malformed', help: 'Malformed SIP messages', registers: [this.registry], collect() { this.set(stack.counters.malformed); } });
    new Gauge({ name: 'hushgate_sip_forbidden', help: 'Requests refused by the source allowlist', registers: [this.registry], collect() { this.set(stack.counters.forbidden); } });
  }

  /** SIGTERM: stop accepting, let calls finish up to the grace period, BYE the rest, close. */
  async stop(graceMs = this.config.shutdown.graceSeconds * 1000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ graceMs, activeCalls: this.calls.calls.size }, 'shutting down');
    await this.calls.drain(graceMs);
    // Give BYE transactions a moment to complete before the sockets close.
    const until = Date.now() + 2000;
    while (this.stack.clientTransactionCount() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await this.admin?.close();
    await this.stack.close();
    await this.media.close();
    this.log.info('stopped');
  }
}
