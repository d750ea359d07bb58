/**
 * Configuration of event forwarding (zod), composed into the main config schema by `config/`:
 *
 * - per application: `forwarding: { enabled: false, sinks: [...], transcriptionReports, customCdrFields }`
 *   (`forwardingSchema`); default off (architecture principle 2);
 * - global: `events: { outbox: { synchronous }, delivery: {...} }` (`eventsSchema`).
 *
 * Every sink URL (and the IAM token URL) must be `https:` unless that sink sets
 * `allowInsecure: true` (principle 3). Secrets are plain strings here; the config loader's
 * environment substitution is how operators keep them out of files.
 */
import { z } from 'zod';

const sinkName = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only');

const common = {
  name: sinkName,
  url: z.url(),
  /** Allow plain http for this target (tests, loopback). */
  allowInsecure: z.boolean().default(false),
  /** PEM file of the CA to trust for this target (private PKI, self-signed receivers). */
  caFile: z.string().optional(),
  timeoutMs: z.number().int().positive().default(15000),
  /**
   * `hushgate` (default): our event schema. `ibm`: IBM Voice Gateway's reporting events (HEC envelope,
   * IBM field names and units, indexes cdr/transcription/conv), for consumers built for the Voice Gateway.
   */
  format: z.enum(['hushgate', 'ibm']).optional(),
  /** Settings of `format: ibm`. */
  ibm: z
    .object({
      /** Index per event kind (IBM's defaults). */
      indexes: z.object({ cdr: z.string().min(1).default('cdr'), transcription: z.string().min(1).default('transcription'), conv: z.string().min(1).default('conv') }).prefault({}),
      /** `sourcetype` per kind (IBM's `cdrEventSourceType`, …); none when not set. */
      sourceTypes: z.object({ cdr: z.string().min(1).optional(), transcription: z.string().min(1).optional(), conv: z.string().min(1).optional() }).optional(),
      host: z.string().optional(),
      source: z.string().optional(),
    })
    .optional(),
};

export const couchdbSinkSchema = z.object({
  type: z.literal('couchdb'),
  ...common,
  database: z.string().regex(/^[a-z][a-z0-9_$()+/-]*$/, 'CouchDB database names start with a lowercase letter'),
  auth: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('none') }),
      z.object({ kind: z.literal('basic'), username: z.string().min(1), password: z.string().min(1) }),
      z.object({ kind: z.literal('iam'), apiKey: z.string().min(1), tokenUrl: z.url().default('https://iam.cloud.ibm.com/identity/token') }),
    ])
    .default({ kind: 'none' }),
});

export const splunkHecSinkSchema = z.object({
  type: z.literal('splunk-hec'),
  ...common,
  token: z.string().min(1),
  index: z.string().optional(),
  source: z.string().default('hushgate'),
});

export const webhookSinkSchema = z.object({
  type: z.literal('webhook'),
  ...common,
  /** HMAC-SHA256 key shared with the receiver. */
  secret: z.string().min(32, 'use a secret of at least 32 characters'),
});

export const sinkSchema = z
  .discriminatedUnion('type', [couchdbSinkSchema, splunkHecSinkSchema, webhookSinkSchema])
  .superRefine((s, ctx) => {
    const insecure = (u: string) => new URL(u).protocol !== 'https:';
    if (!s.allowInsecure && insecure(s.url)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'must be https (or set allowInsecure: true for this sink)' });
    if (s.type === 'couchdb' && s.auth.kind === 'iam' && !s.allowInsecure && insecure(s.auth.tokenUrl)) {
      ctx.addIssue({ code: 'custom', path: ['auth', 'tokenUrl'], message: 'must be https (or set allowInsecure: true for this sink)' });
    }
  });

export const forwardingSchema = z
  .object({
    enabled: z.boolean().default(false),
    sinks: z.array(sinkSchema).default([]),
    /** Whether transcription events are reported from the start of a call (the dialog can switch them). */
    transcriptionReports: z.boolean().default(true),
    /** Custom CDR keys (vgwActAddCustomCDRData) the default gate lets through. */
    customCdrFields: z.array(z.string().min(1)).default([]),
  })
  .prefault({})
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.sinks.forEach((s, i) => {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: ['sinks', i, 'name'], message: `duplicate sink name "${s.name}"` });
      seen.add(s.name);
    });
  });

const backoff = (baseMs: number, capMs: number) =>
  z.object({ baseMs: z.number().int().positive().default(baseMs), capMs: z.number().int().positive().default(capMs) }).prefault({});

export const eventsSchema = z
  .object({
    outbox: z
      .object({
        /** FULL: an acknowledged append survives power loss. NORMAL: survives a process kill only. */
        synchronous: z.enum(['full', 'normal']).default('full'),
      })
      .prefault({}),
    delivery: z
      .object({
        batchSize: z.number().int().min(1).max(5000).default(500),
        lingerMs: z.number().int().min(0).default(20),
        maxAttempts: z.number().int().min(1).default(10),
        retry: backoff(1000, 300_000),
        unavailable: backoff(500, 60_000),
        idlePollMs: z.number().int().positive().default(5000),
      })
      .prefault({}),
  })
  .prefault({});

export type SinkConfig = z.infer<typeof sinkSchema>;
export type ForwardingConfig = z.infer<typeof forwardingSchema>;
export type EventsConfig = z.infer<typeof eventsSchema>;
