/**
 * The one configuration schema. Every field has a default, so an empty file starts a gateway
 * that listens on 5060 and answers nothing (no numbers configured). Module-owned sections are
 * composed here; the module keeps its own schema file so the two cannot drift (accounts and
 * applications: src/tenancy/schema.ts).
 */
import { z } from 'zod';
import { isIP } from 'node:net';
import { trainingConfigIssues } from '../training/index.js';
import { eventsSchema } from '../events/index.js';
import { accountSchema, tenancySchema } from '../tenancy/index.js';
import { tlsConfigSchema } from '../sip/index.js';
import { sipAuthSchema } from '../sip/index.js';
import { trunkSchema, streamIssues } from '../tenancy/index.js';

const port = z.number().int().min(0).max(65535);

/** An IPv4/IPv6 address or CIDR block, e.g. `203.0.113.7` or `10.0.0.0/8`. */
export const cidr = z.string().refine((s) => {
  const [addr, bits, ...rest] = s.split('/');
  if (rest.length || !addr || !isIP(addr)) return false;
  if (bits === undefined) return true;
  const max = isIP(addr) === 4 ? 32 : 128;
  return /^\d+$/.test(bits) && Number(bits) <= max;
}, 'must be an IP address or CIDR block such as 203.0.113.0/24');

export const sipSchema = z
  .object({
    /** Address the SIP transports bind to. */
    host: z.string().default('0.0.0.0'),
    /** Address written into Via/Contact/SDP when it differs from `host` (NAT, 0.0.0.0 binds). */
    advertisedHost: z.string().optional(),
    port: port.default(5060),
    transports: z.array(z.enum(['udp', 'tcp', 'tls'])).min(1).default(['udp', 'tcp']),
    /** SIP over TLS (SIPS): certificate, key, optional mutual TLS. Required when `transports` has `tls`. */
    tls: tlsConfigSchema.optional(),
    /**
     * Trunk sources allowed to send requests; empty means everyone (not recommended on a public
     * address). Requests from other sources are dropped without an answer (UDP) and their TCP/TLS
     * connections are reset at accept, before any byte is read or a TLS handshake starts.
     */
    allowFrom: z.array(cidr).default([]),
    /** Limits on inbound TCP/TLS connections (defence against connection exhaustion): see docs/sip.md "Hostile peers". */
    connections: z
      .object({
        /** Inbound connections open at once over all sources; further ones are reset at accept. */
        max: z.number().int().min(1).default(1024),
        /** Inbound connections open at once from one source address. */
        maxPerSource: z.number().int().min(1).default(64),
        /** A connection must deliver a complete message within this many seconds of opening (after TLS), and a begun message must complete within it. */
        headerTimeoutSec: z.number().min(0.1).max(300).default(10),
        /** An inbound connection with no dialog, no transaction and no message for this many seconds is closed. */
        idleTimeoutSec: z.number().min(0.1).max(86_400).default(120),
      })
      .prefault({}),
    maxMessageBytes: z.number().int().min(1024).max(1 << 20).default(65535),
    userAgent: z.string().default('Hushgate'),
    /** RFC 3261 T1/T2/T4 in milliseconds. */
    timers: z
      .object({ t1: z.number().int().positive().default(500), t2: z.number().int().positive().default(4000), t4: z.number().int().positive().default(5000) })
      .prefault({}),
    /**
     * RFC 3261 §17.2.1: the 100 Trying to an INVITE leaves only if no other response (180, 200, an
     * error) has left within this many ms; 0 sends it at once. A call answered at once then costs
     * one response fewer (docs/sip.md "Call set-up rate").
     */
    tryingDelayMs: z.number().int().min(0).max(200).default(100),
    /** RFC 4028 session timer we ask for (seconds); 0 disables. */
    sessionExpires: z.number().int().min(0).default(1800),
    minSE: z.number().int().min(90).default(90),
    /**
     * Digest authentication of incoming calls (RFC 3261 §22): INVITEs without valid credentials for
     * one of `users` get 401 with SHA-256 and MD5 challenges. Sources in `exemptFrom` (IPs/CIDRs,
     * e.g. the trunk's SBC) are not challenged. Unset: no authentication (use `allowFrom`).
     */
    auth: sipAuthSchema.optional(),
    /** Most concurrent calls; further INVITEs get 503 + Retry-After (unset: no limit). */
    maxCalls: z.number().int().min(1).optional(),
    /** New calls are refused (503) while the event loop runs this many ms late (sampled every 250 ms); 0 (the default) disables: see docs/sip.md "Overload". */
    maxEventLoopLagMs: z.number().int().min(0).default(0),
  })
  .prefault({})
  .refine((s) => !s.transports.includes('tls') || s.tls !== undefined, { message: 'transport tls needs sip.tls (cert and key files)', path: ['tls'] });

export const mediaSchema = z
  .object({
    /** Address written into SDP `c=`; defaults to the SIP advertised host. */
    advertisedHost: z.string().optional(),
    host: z.string().default('0.0.0.0'),
    rtpPortMin: port.default(20000),
    rtpPortMax: port.default(29999),
    /** SRTP library: libsrtp 2 via the native addon when built ('auto'), insist on it ('libsrtp': start fails without it), or node:crypto ('openssl'). docs/media-rtp.md. */
    srtpBackend: z.enum(['auto', 'libsrtp', 'openssl']).default('auto'),
    /** Sub-slots of the 20 ms frame the playout scheduler spreads calls over (1 = all calls in one pass). docs/media-rtp.md "Pauses". */
    playoutPhases: z.number().int().min(1).max(10).default(1),
    /** Media worker threads carrying the calls' RTP, SRTP, jitter buffers and codecs: 0 = all on the main thread; 'auto' = one per core less one (at least 1). docs/media-flow.md "Media workers". */
    workers: z.union([z.literal('auto'), z.number().int().min(0).max(256)]).default(0),
    /**
     * Which sources a call's RTP is heard from: 'signalled' (default) — the SDP's connection address
     * or the address the call was signalled from (any port: NAT); 'any' — whoever sends first, the
     * plain symmetric-RTP rule, open to RTP injection ("RTP bleed") on plain RTP. docs/security.md.
     */
    latching: z.enum(['signalled', 'any']).default('signalled'),
  })
  .prefault({})
  .refine((m) => m.rtpPortMin <= m.rtpPortMax, { message: 'rtpPortMin must not exceed rtpPortMax', path: ['rtpPortMin'] });

const isLoopbackHost = (h: string) => h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));

export const adminSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: port.default(8088),
    /** HTTPS for the admin API (PEM files). Required unless `host` is loopback or `allowPlainHttp` is set. */
    tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
    /** Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy). */
    allowPlainHttp: z.boolean().default(false),
    /** Default per-key rate limit (token bucket, per gateway process); a key may carry its own `ratePerMinute`. */
    rateLimit: z.object({ perMinute: z.number().int().min(1).default(600), burst: z.number().int().min(1).default(60) }).prefault({}),
  })
  .prefault({})
  .refine((a) => a.tls !== undefined || a.allowPlainHttp || isLoopbackHost(a.host), {
    message: 'the admin API on a non-loopback address needs tls (certFile, keyFile), or allowPlainHttp: true behind a TLS proxy',
    path: ['tls'],
  });

/** This gateway process as one node of a fleet (docs/deploy.md). */
export const nodeSchema = z
  .object({
    /**
     * Stable name of this node in logs, events, erasure receipts and the fleet tables; default
     * `<hostname>:<sip.port>` (stable across restarts as long as the host name and port are).
     */
    id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only').optional(),
  })
  .prefault({});

/**
 * Fleet coordination over the shared PostgreSQL of the control region (LISTEN/NOTIFY): tenancy
 * changes, erasures reaching other nodes' outboxes, the fleet's live calls and counters that must hold
 * across nodes. `auto` (the default) turns it on when the control region's store is PostgreSQL.
 */
export const fleetSchema = z
  .object({
    enabled: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    /** How often a node writes its heartbeat and figures (seconds); a node silent for 3 heartbeats counts as gone. */
    heartbeatSeconds: z.number().min(0.2).max(60).default(2),
    /** How long an erasure waits for the other live nodes to confirm their outboxes are clear (seconds). */
    erasureWaitSeconds: z.number().min(0.1).max(120).default(5),
    /** A node not heard of for this long is forgotten (its pending erasures no longer wait for it). */
    forgetNodeAfterHours: z.number().min(1).max(24 * 90).default(168),
  })
  .prefault({});

export const regionSchema = z.object({
  /** Embedded default: a SQLite file under dataDir; or a PostgreSQL URL for scale-out. */
  store: z.union([z.object({ kind: z.literal('sqlite'), path: z.string().optional() }), z.object({ kind: z.literal('postgres'), url: z.string().url() })]).default({ kind: 'sqlite' }),
});

export const configSchema = z
  .object({
    dataDir: z.string().default('./var'),
    /** Region key files (KEKs, pseudonym secrets); default `<dataDir>/keys`. Nodes of one fleet share it (same content, e.g. a read-only mount). */
    keysDir: z.string().optional(),
    node: nodeSchema,
    fleet: fleetSchema,
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
    /** ISO country used to normalise national numbers to E.164. */
    defaultCountry: z.string().length(2).default('US'),
    sip: sipSchema,
    media: mediaSchema,
    admin: adminSchema,
    tenancy: tenancySchema,
    shutdown: z
      .object({
        /** How long SIGTERM waits for calls to end before hanging them up. */
        graceSeconds: z.number().min(0).default(30),
        /** After the calls, how long to keep delivering pending events before exiting (what is left stays in the outbox for the next start). */
        flushSeconds: z.number().min(0).max(600).default(5),
      })
      .prefault({}),
    regions: z.record(z.string(), regionSchema).default({ default: { store: { kind: 'sqlite' } } }),
    events: eventsSchema,
    /** Carrier trunks for outbound calls, given to accounts by name (`accounts[].outbound.trunks`). */
    trunks: z.array(trunkSchema).default([]),
    accounts: z.array(accountSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    const trunkNames = new Set<string>();
    cfg.trunks.forEach((t, i) => {
      if (trunkNames.has(t.name)) ctx.addIssue({ code: 'custom', path: ['trunks', i, 'name'], message: `duplicate trunk name "${t.name}"` });
      trunkNames.add(t.name);
    });
    cfg.accounts.forEach((acc, ai) =>
      (acc.outbound?.trunks ?? []).forEach((name, ti) => {
        if (!trunkNames.has(name)) ctx.addIssue({ code: 'custom', path: ['accounts', ai, 'outbound', 'trunks', ti], message: `no trunk named "${name}" under trunks` });
      }),
    );
    const appIds = new Set<string>();
    cfg.accounts.forEach((acc, ai) =>
      acc.applications.forEach((app, pi) => {
        if (!(app.region in cfg.regions)) {
          ctx.addIssue({ code: 'custom', path: ['accounts', ai, 'applications', pi, 'region'], message: `region "${app.region}" has no store configured under regions` });
        }
        for (const issue of streamIssues(app)) ctx.addIssue({ code: 'custom', path: ['accounts', ai, 'applications', pi, ...issue.path], message: issue.message });
        if (appIds.has(app.id)) ctx.addIssue({ code: 'custom', path: ['accounts', ai, 'applications', pi, 'id'], message: `duplicate application id "${app.id}"` });
        appIds.add(app.id);
      }),
    );
    const control = cfg.tenancy.region ?? Object.keys(cfg.regions)[0];
    if (cfg.fleet.enabled === true && control !== undefined && cfg.regions[control]?.store.kind !== 'postgres') {
      ctx.addIssue({ code: 'custom', path: ['fleet', 'enabled'], message: `a fleet shares the control region's store: regions.${control}.store must be kind postgres` });
    }
    if (cfg.tenancy.region !== undefined && !(cfg.tenancy.region in cfg.regions)) ctx.addIssue({ code: 'custom', path: ['tenancy', 'region'], message: `region "${cfg.tenancy.region}" has no store configured under regions` });
    for (const issue of trainingConfigIssues(cfg)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export type Config = z.infer<typeof configSchema>;

/** The key directory a configuration uses (`keysDir`, else `<dataDir>/keys`). */
export function keysDirOf(c: Pick<Config, 'dataDir' | 'keysDir'>): string {
  return c.keysDir ?? `${c.dataDir.replace(/\/+$/, '')}/keys`;
}

/** This node's id: `node.id`, else `<hostname>:<sip.port>`. */
export function nodeIdOf(c: Pick<Config, 'node' | 'sip'>, hostname: string): string {
  return c.node.id ?? `${hostname}:${c.sip.port}`;
}
