/**
 * Per-application dialog settings (zod), composed into the application schema by `src/config/`.
 * One discriminated union on `provider`. Secure by default: remote providers must use https with
 * credentials; `allowInsecure: true` is the only way to call plain http or send no credentials.
 */
import { z } from 'zod';
import { transferTargetSchema } from './actions.js';

const secret = z.string().min(1);

export const httpAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: secret }),
  z.object({ type: z.literal('bearer'), token: secret }),
  z.object({ type: z.literal('none') }),
]);
export type HttpAuth = z.infer<typeof httpAuthSchema>;

/** Transport settings every remote provider has. */
const transport = {
  /** Per-attempt timeout (ms). */
  timeoutMs: z.number().int().min(100).max(120_000).default(5000),
  /** Extra attempts on network errors and 5xx (never on timeouts or 4xx). */
  retries: z.number().int().min(0).max(5).default(2),
  /** First retry delay (ms), doubled each retry. */
  backoffMs: z.number().int().min(0).max(10_000).default(200),
  /** Allow plain http and missing credentials for this target (development only). */
  allowInsecure: z.boolean().default(false),
  /** PEM file of an extra CA to trust for this target (private PKI, self-signed test servers). */
  caFile: z.string().optional(),
};

function requireCredentials(cfg: { allowInsecure: boolean; auth: { type: string } }, ctx: z.RefinementCtx): void {
  if (cfg.auth.type === 'none' && !cfg.allowInsecure) {
    ctx.addIssue({ code: 'custom', path: ['auth'], message: 'a remote dialog needs credentials (basic or bearer); set allowInsecure: true to call it without' });
  }
}
function requireHttps(field: string) {
  return (cfg: { allowInsecure: boolean } & Record<string, unknown>, ctx: z.RefinementCtx) => {
    const url = cfg[field];
    if (typeof url === 'string' && url.startsWith('http:') && !cfg.allowInsecure) {
      ctx.addIssue({ code: 'custom', path: [field], message: 'must be https (set allowInsecure: true to allow plain http)' });
    }
  };
}
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const localDialogSchema = z.object({
  provider: z.literal('local'),
  /** YAML flow file; the embedded demo flow (examples/flows/bank.yaml) when omitted. */
  flow: z.string().optional(),
  /** Overrides for the flow's `variables` (e.g. `agentTarget`). */
  variables: z.record(z.string(), z.string()).default({}),
  /** Minimum match score (0..1) for an intent; overrides the flow's own threshold. */
  threshold: z.number().min(0).max(1).optional(),
});

export const webhookDialogSchema = z
  .object({
    provider: z.literal('webhook'),
    /** Base URL of the Service Orchestration Engine; requests go to `{url}/v1/workspaces/{workspaceId}/message?version=…`. */
    url: httpUrl,
    workspaceId: z.string().min(1).regex(/^[A-Za-z0-9._~-]+$/, 'URL-safe characters only'),
    /** The `version` query parameter, as Watson Assistant v1 takes it. */
    version: z.string().default('2018-09-20'),
    auth: httpAuthSchema,
    /** HMAC secret for `X-Hushgate-Signature`; unsigned when omitted. */
    secret: z.string().min(16, 'use at least 16 characters').optional(),
    /**
     * Where partial transcripts go while the caller speaks (privacy-gated, masked, never while the
     * sensitive switch is on); none are sent when omitted. docs/call.md "Partial transcripts".
     */
    partialResultUrl: httpUrl.optional(),
    ...transport,
  })
  .superRefine(requireCredentials)
  .superRefine(requireHttps('url'))
  .superRefine(requireHttps('partialResultUrl'));

export const iamAuthSchema = z.object({
  type: z.literal('iam'),
  apiKey: secret,
  /** IAM token service base URL. */
  iamUrl: httpUrl.default('https://iam.cloud.ibm.com'),
});

export const watsonDialogSchema = z
  .object({
    provider: z.literal('watson-assistant'),
    apiVersion: z.enum(['v1', 'v2']).default('v2'),
    /** Service instance URL, e.g. https://api.eu-de.assistant.watson.cloud.ibm.com/instances/… */
    url: httpUrl,
    /** v1: the workspace (skill) ID. */
    workspaceId: z.string().regex(/^[A-Za-z0-9._~-]+$/).optional(),
    /** v2: the assistant (environment) ID. */
    assistantId: z.string().regex(/^[A-Za-z0-9._~-]+$/).optional(),
    version: z.string().default('2021-11-27'),
    /** v2: the skill whose user_defined context carries the vgw* variables. */
    skillName: z.string().default('main skill'),
    auth: z.union([iamAuthSchema, httpAuthSchema]),
    ...transport,
  })
  .superRefine((cfg, ctx) => {
    if (cfg.apiVersion === 'v1' && !cfg.workspaceId) ctx.addIssue({ code: 'custom', path: ['workspaceId'], message: 'required for apiVersion v1' });
    if (cfg.apiVersion === 'v2' && !cfg.assistantId) ctx.addIssue({ code: 'custom', path: ['assistantId'], message: 'required for apiVersion v2' });
    if (cfg.auth.type === 'iam' && cfg.auth.iamUrl.startsWith('http:') && !cfg.allowInsecure) ctx.addIssue({ code: 'custom', path: ['auth', 'iamUrl'], message: 'must be https (set allowInsecure: true to allow plain http)' });
  })
  .superRefine(requireCredentials)
  .superRefine(requireHttps('url'));

export const openaiDialogSchema = z
  .object({
    provider: z.literal('openai'),
    /** Any OpenAI-compatible server; requests go to `{baseUrl}/v1/chat/completions`. */
    baseUrl: httpUrl.default('https://api.openai.com'),
    model: z.string().min(1),
    apiKey: z.string().optional(),
    systemPrompt: z.string().min(1),
    /** Spoken on the first turn without asking the model (saves a round trip). */
    greeting: z.string().optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().max(4096).default(300),
    /** Messages kept besides the system prompt (older ones are dropped in user/assistant pairs). */
    maxHistoryMessages: z.number().int().min(2).max(200).default(20),
    /** Stream the reply (`stream: true`): each clause is spoken as soon as it has arrived. */
    stream: z.boolean().default(true),
    /** Names the model may transfer to → SIP/tel URIs; the model never chooses a raw address. */
    transferTargets: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), transferTargetSchema).default({}),
    ...transport,
    timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  })
  .superRefine((cfg, ctx) => {
    if (!cfg.apiKey && !cfg.allowInsecure) ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'required (set allowInsecure: true to call a server without a key)' });
  })
  .superRefine(requireHttps('baseUrl'));

export const dialogConfigSchema = z.discriminatedUnion('provider', [localDialogSchema, webhookDialogSchema, watsonDialogSchema, openaiDialogSchema]);

export type DialogConfig = z.output<typeof dialogConfigSchema>;
export type LocalDialogConfig = z.output<typeof localDialogSchema>;
export type WebhookDialogConfig = z.output<typeof webhookDialogSchema>;
export type WatsonDialogConfig = z.output<typeof watsonDialogSchema>;
export type OpenAiDialogConfig = z.output<typeof openaiDialogSchema>;
