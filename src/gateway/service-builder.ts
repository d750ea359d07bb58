/**
 * The services a dialog may switch its call to mid-call (the call layer's `ServiceBuilder`), built from the application's own
 * configuration so every rule of that configuration still holds (https unless the application
 * allows insecure targets, credentials required, the same provider):
 *
 * - `vgwActSetSTTConfig` `credentials` (`url`, `apikey`, or `username`/`password`, as IBM Voice
 *   Gateway took them): a recogniser of the application's engine with those credentials.
 * - `vgwActSetConversationConfig` (`config.workspace_id`/`workspaceID`, `config.assistant_id`,
 *   `url`, `credentials`): the application's dialog provider pointed at another target.
 *
 * The embedded recogniser and local flows have nothing to point elsewhere: those requests are
 * refused with a reason (the session logs it and keeps the application's engine or dialog).
 */
import type { ApplicationConfig } from '../tenancy/index.js';
import type { ServiceBuilder } from '../call/index.js';
import { sttConfigSchema } from '../speech/index.js';
import { createStt } from '../speech/index.js';
import { dialogConfigSchema } from '../dialog/index.js';
import { createDialogFactory } from '../dialog/index.js';

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** IBM-style credentials as a Watson authenticator setting, or undefined to keep the configured one. */
function watsonAuth(c: Obj): Obj | undefined {
  if (str(c['apikey']) ?? str(c['apiKey'])) return { kind: 'iam', apiKey: str(c['apikey']) ?? str(c['apiKey']), ...(str(c['tokenServiceProviderUrl']) ? { iamUrl: str(c['tokenServiceProviderUrl']) } : {}) };
  if (str(c['username']) && str(c['password'])) return { kind: 'basic', username: c['username'], password: c['password'] };
  if (str(c['bearer_token'])) return { kind: 'bearer', token: c['bearer_token'] };
  return undefined;
}

function firstIssue(e: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const i = e.issues[0];
  return i ? `${i.path.map(String).join('.') || '(root)'}: ${i.message}` : 'invalid settings';
}

export function applicationServiceBuilder(app: ApplicationConfig, baseDir?: string): ServiceBuilder {
  return {
    async stt(credentials) {
      const cfg = app.speech.stt as Obj;
      if (cfg['engine'] === 'embedded') return { ok: false, error: 'the embedded recogniser takes no credentials' };
      const url = str(credentials['url']) ?? cfg['url'];
      const next: Obj = { ...cfg, url };
      if (cfg['engine'] === 'watson') next['auth'] = watsonAuth(credentials) ?? cfg['auth'];
      else if (str(credentials['apikey']) ?? str(credentials['apiKey'])) next['apiKey'] = str(credentials['apikey']) ?? str(credentials['apiKey']);
      const parsed = sttConfigSchema.safeParse(next);
      if (!parsed.success) return { ok: false, error: `speech.stt: ${firstIssue(parsed.error)}` };
      return createStt(parsed.data);
    },

    async dialog(settings) {
      const cfg = (app.dialog ?? { provider: 'local' }) as Obj;
      const c = obj(settings['config']);
      const cr = obj(settings['credentials']);
      const next: Obj = { ...cfg };
      switch (cfg['provider']) {
        case 'local':
          return { ok: false, error: 'a local flow has no target to change' };
        case 'webhook': {
          next['url'] = str(cr['url']) ?? str(c['url']) ?? cfg['url'];
          next['workspaceId'] = str(c['workspace_id']) ?? str(c['workspaceID']) ?? str(c['workspaceId']) ?? cfg['workspaceId'];
          if (str(cr['username']) && str(cr['password'])) next['auth'] = { type: 'basic', username: cr['username'], password: cr['password'] };
          else if (str(cr['bearer_token'])) next['auth'] = { type: 'bearer', token: cr['bearer_token'] };
          break;
        }
        case 'watson-assistant': {
          next['url'] = str(cr['url']) ?? str(c['url']) ?? cfg['url'];
          next['workspaceId'] = str(c['workspace_id']) ?? str(c['workspaceID']) ?? str(c['workspaceId']) ?? cfg['workspaceId'];
          next['assistantId'] = str(c['assistant_id']) ?? str(c['assistantID']) ?? str(c['assistantId']) ?? cfg['assistantId'];
          const a = watsonAuth(cr);
          if (a) next['auth'] = a['kind'] === 'iam' ? { type: 'iam', apiKey: a['apiKey'], ...(a['iamUrl'] ? { iamUrl: a['iamUrl'] } : {}) } : a['kind'] === 'basic' ? { type: 'basic', username: a['username'], password: a['password'] } : { type: 'bearer', token: a['token'] };
          break;
        }
        case 'openai': {
          if (str(c['model'])) next['model'] = c['model'];
          if (typeof c['temperature'] === 'number') next['temperature'] = c['temperature'];
          if (str(cr['url'])) next['baseUrl'] = cr['url'];
          if (str(cr['apikey']) ?? str(cr['apiKey'])) next['apiKey'] = str(cr['apikey']) ?? str(cr['apiKey']);
          break;
        }
      }
      const parsed = dialogConfigSchema.safeParse(next);
      if (!parsed.success) return { ok: false, error: `dialog: ${firstIssue(parsed.error)}` };
      const f = await createDialogFactory(parsed.data, { baseDir });
      if (!f.ok) return { ok: false, error: f.error };
      return { ok: true, dialog: f.factory.newDialog(), remote: parsed.data.provider !== 'local', close: () => f.factory.close() };
    },
  };
}
