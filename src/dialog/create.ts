/**
 * From an application's dialog config to a per-call `Dialog`. `createDialogFactory` does the
 * once-per-application work (read and compile the flow file, read the CA file, set up the HTTP
 * client and the IAM token cache) and reports a bad config as a value; `factory.newDialog()` is
 * then cheap and is called once per call.
 */
import { readFile } from 'node:fs/promises';
import type { DialogConfig } from './config.js';
import type { Clock } from '../time/index.js';
import { HttpClient, authorizationHeader } from './http-client.js';
import { iamAuthHeaders } from './iam.js';
import { loadFlow, type Flow } from './local/flow.js';
import { LocalDialog } from './local/local-dialog.js';
import { OpenAiDialog } from './openai.js';
import type { Dialog } from './types.js';
import { WatsonV2Dialog } from './watson-v2.js';
import { V1MessageDialog } from './webhook.js';

/** The embedded default flow: the bank demo. */
export const DEFAULT_FLOW_URL = new URL('../../examples/flows/bank.yaml', import.meta.url);

export interface DialogFactory {
  readonly provider: DialogConfig['provider'];
  newDialog(): Dialog;
  /** Release shared resources (keep-alive sockets). */
  close(): void;
}

export interface DialogDeps {
  /** Retry backoff, request signatures and token expiry (default the system clock). */
  clock?: Clock;
  /** Directory relative paths (flow, caFile) are resolved against; default: the process's cwd. */
  baseDir?: string;
}

export type FactoryResult = { ok: true; factory: DialogFactory } | { ok: false; error: string };

async function readText(path: string | URL, baseDir?: string): Promise<string> {
  if (typeof path === 'string' && baseDir && !path.startsWith('/')) return readFile(`${baseDir.replace(/\/+$/, '')}/${path}`, 'utf8');
  return readFile(path, 'utf8');
}

export async function createDialogFactory(cfg: DialogConfig, deps: DialogDeps = {}): Promise<FactoryResult> {
  if (cfg.provider === 'local') {
    let text: string;
    try {
      text = await readText(cfg.flow ?? DEFAULT_FLOW_URL, deps.baseDir);
    } catch (e) {
      return { ok: false, error: `dialog.flow: cannot read ${cfg.flow ?? 'the embedded flow'} (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    const loaded = loadFlow(text, cfg.variables, cfg.threshold);
    if (!loaded.ok) return { ok: false, error: `dialog.flow: ${loaded.error}` };
    const flow: Flow = loaded.flow;
    return { ok: true, factory: { provider: 'local', newDialog: () => new LocalDialog(flow), close: () => {} } };
  }

  let ca: string | undefined;
  if (cfg.caFile) {
    try {
      ca = await readText(cfg.caFile, deps.baseDir);
    } catch (e) {
      return { ok: false, error: `dialog.caFile: cannot read ${cfg.caFile} (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
  const client = new HttpClient({
    timeoutMs: cfg.timeoutMs,
    retries: cfg.retries,
    backoffMs: cfg.backoffMs,
    allowInsecure: cfg.allowInsecure,
    ...(ca ? { ca } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const close = () => client.close();

  if (cfg.provider === 'webhook') {
    const auth = authorizationHeader(cfg.auth);
    const authHeaders = async () => auth;
    return {
      ok: true,
      factory: {
        provider: 'webhook',
        newDialog: () => new V1MessageDialog({ client, url: cfg.url, workspaceId: cfg.workspaceId, version: cfg.version, authHeaders, ...(cfg.secret ? { secret: cfg.secret } : {}), ...(cfg.partialResultUrl ? { partialUrl: cfg.partialResultUrl } : {}) }),
        close,
      },
    };
  }

  if (cfg.provider === 'watson-assistant') {
    let authHeaders: (signal?: AbortSignal) => Promise<Record<string, string>>;
    if (cfg.auth.type === 'iam') {
      authHeaders = iamAuthHeaders(client, cfg.auth.iamUrl, cfg.auth.apiKey);
    } else {
      const fixed = authorizationHeader(cfg.auth);
      authHeaders = async () => fixed;
    }
    const newDialog =
      cfg.apiVersion === 'v1'
        ? () => new V1MessageDialog({ client, url: cfg.url, workspaceId: cfg.workspaceId!, version: cfg.version, authHeaders })
        : () => new WatsonV2Dialog({ client, url: cfg.url, assistantId: cfg.assistantId!, version: cfg.version, skillName: cfg.skillName, authHeaders });
    return { ok: true, factory: { provider: 'watson-assistant', newDialog, close } };
  }

  return { ok: true, factory: { provider: 'openai', newDialog: () => new OpenAiDialog(cfg, client), close } };
}
