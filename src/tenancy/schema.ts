/**
 * Accounts and applications as an operator writes them (config file, admin API, IBM import) and
 * the tenancy settings section. Tenancy owns these schemas; the configuration composes them, so
 * tenancy never depends on config.
 */
import { z } from 'zod';
import { dialogConfigSchema } from '../dialog/index.js';
import { speechConfigSchema } from '../speech/index.js';
import { privacyPolicySchema } from '../privacy/index.js';
import { applicationTrainingSchema, accountTrainingSchema } from '../training/index.js';
import { forwardingSchema } from '../events/index.js';
import { accountOutboundSchema } from './outbound-config.js';
import { streamConfigSchema } from './stream-config.js';

/** Where accounts, applications, numbers, API keys and the admin audit log are kept. */
export const tenancySchema = z
  .object({
    /** The control region whose store holds tenancy data; default: the first configured region. */
    region: z.string().optional(),
    /**
     * How often a gateway checks the store for changes made by other gateways (seconds; 0 = never).
     * Default: 0 in a fleet (changes arrive by LISTEN/NOTIFY), 2 on PostgreSQL with fleet.enabled false, 0 on SQLite.
     */
    pollSeconds: z.number().min(0).optional(),
  })
  .prefault({});

/**
 * Call recording per application (docs/privacy.md#recording): off by default; recordings expire with
 * the application's retention (its training `retentionDays`, capped by the account's maximum).
 */
export const recordingConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** `stereo`: caller left, agent right; `mono`: both mixed. */
    channels: z.enum(['mono', 'stereo']).default('stereo'),
    /**
     * `none`: record from the answer; `announce`: only after `announcement` played in full;
     * `explicit`: only after the caller presses `consentKey` or says `consentPhrase` (agent applications).
     */
    consent: z.enum(['none', 'announce', 'explicit']).default('announce'),
    announcement: z.string().min(1).max(500).optional(),
    consentKey: z.string().regex(/^[0-9*#]$/, 'one key: 0-9, * or #').default('1'),
    consentPhrase: z.string().min(1).max(60).optional(),
    consentTimeoutSec: z.number().int().min(1).max(60).default(10),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.enabled && r.consent !== 'none' && !r.announcement) ctx.addIssue({ code: 'custom', path: ['announcement'], message: `consent "${r.consent}" needs the announcement to play` });
  });

export type RecordingConfig = z.infer<typeof recordingConfigSchema>;

export const applicationSchema = z.object({
  id: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  name: z.string().optional(),
  /** Where this application's data may live; must name a configured region. */
  region: z.string().default('default'),
  /** Dialled numbers (E.164 or national, normalised with `defaultCountry`) or SIP user parts. */
  numbers: z.array(z.string().min(1)).default([]),
  /** What a call does until a dialog is attached: `hold` answers and stays up, `loopback` echoes audio, `agent` runs the dialog. */
  mode: z.enum(['hold', 'loopback', 'agent', 'stream']).default('hold'),
  /** For `stream` (and streams the dialog starts): the bot's WebSocket, format and parameters (docs/stream.md). */
  stream: streamConfigSchema.optional(),
  /** Longest a call may last before the gateway hangs up (seconds). */
  maxCallSeconds: z.number().int().positive().default(3600),
  /** For `hold`: hang up after this many seconds (0 = wait for the caller). */
  holdSeconds: z.number().int().min(0).default(0),
  /** Ring (180) for this long before answering; 0 answers at once. */
  answerDelayMs: z.number().int().min(0).max(60000).default(0),
  /** WAV played when the call is answered (8 kHz or resampled). */
  greeting: z.string().optional(),
  /** SRTP policy: `required` refuses plain RTP (488) and plain transports (403); `optional` answers SAVP offers with SRTP; `off` refuses SAVP. */
  secureMedia: z.enum(['off', 'optional', 'required']).default('optional'),
  /** The dialog this application talks to (mode `agent`); default: the embedded local flow demo. */
  dialog: dialogConfigSchema.optional(),
  /** INVITE headers passed to the dialog as `vgwSIPCustomInviteHeaders` (IBM's CUSTOM_SIP_INVITE_HEADER), by name. */
  customSipInviteHeaders: z.array(z.string().regex(/^[A-Za-z0-9!%'*+.^_`|~-]+$/, 'a SIP header name')).max(32).optional(),
  speech: speechConfigSchema.prefault({}),
  /** Per-destination privacy policy; omitted fields take the defaults (nothing raw leaves). */
  privacy: privacyPolicySchema.optional(),
  training: applicationTrainingSchema.optional(),
  forwarding: forwardingSchema,
  /** Call recording with consent, sealed under the caller's data key; off by default. */
  recording: recordingConfigSchema.optional(),
});

export const accountSchema = z.object({
  id: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  name: z.string().optional(),
  training: accountTrainingSchema.optional(),
  /** Outbound calls (POST /v1/calls): allowed destination prefixes, trunks, limits (docs/outbound.md). */
  outbound: accountOutboundSchema.optional(),
  applications: z.array(applicationSchema).default([]),
});

export type ApplicationConfig = z.infer<typeof applicationSchema>;
export type AccountConfig = z.infer<typeof accountSchema>;
