/**
 * Watson Assistant v2 (sessions) provider:
 *   POST {url}/v2/assistants/{assistantId}/sessions?version=…                 → { session_id }
 *   POST {url}/v2/assistants/{assistantId}/sessions/{session_id}/message?version=…
 *     { input: { message_type: "text", text, options: { return_context: true } },
 *       context: { skills: { "main skill": { user_defined: { …vgw* variables, dialog's own… } } } } }
 *   → { output: { generic: [...], user_defined?: { vgwAction?, vgwActionSequence? } }, context: { skills: … } }
 *   DELETE {url}/v2/assistants/{assistantId}/sessions/{session_id}?version=…    on close
 * The gateway's context variables live in the skill's `user_defined` object, which is what the
 * call session sees as the context. An expired session (404) is replaced once, transparently.
 */
import { type HttpClient } from './http-client.js';
import { responseFromOutput } from './response.js';
import { DialogError, inputText, intentNames, isDtmfInput, type Dialog, type TurnRequest, type TurnResponse } from './types.js';

export interface WatsonV2Options {
  client: HttpClient;
  url: string;
  assistantId: string;
  version: string;
  skillName: string;
  authHeaders: (signal?: AbortSignal) => Promise<Record<string, string>>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function userIdOf(ctx: Record<string, unknown>): string | undefined {
  const m = ctx['metadata'];
  return isRecord(m) && typeof m['user_id'] === 'string' ? m['user_id'] : undefined;
}

export class WatsonV2Dialog implements Dialog {
  private sessionId: string | undefined;
  private readonly base: string;
  private readonly host: string;

  constructor(private readonly opts: WatsonV2Options) {
    this.base = `${opts.url.replace(/\/+$/, '')}/v2/assistants/${encodeURIComponent(opts.assistantId)}/sessions`;
    this.host = new URL(this.base).host;
  }

  private q(): string {
    return `?version=${encodeURIComponent(this.opts.version)}`;
  }

  private async createSession(signal?: AbortSignal): Promise<string> {
    const json = await this.opts.client.postJson(`${this.base}${this.q()}`, {}, await this.opts.authHeaders(signal), signal);
    const id = isRecord(json) ? json['session_id'] : undefined;
    if (typeof id !== 'string' || !id) throw new DialogError('bad-response', `${this.host} created a session without a session_id`);
    return id;
  }

  async turn(req: TurnRequest, signal?: AbortSignal): Promise<TurnResponse> {
    const userDefined: Record<string, unknown> = { ...req.context };
    if (isDtmfInput(req.input)) userDefined['vgwIsDTMF'] = true;
    const body = {
      input: { message_type: 'text', text: req.isFirstTurn ? '' : inputText(req.input), options: { return_context: true } },
      context: {
        // Watson Assistant v2 keys its per-user features (billing, analytics) on global.system.user_id:
        // the gateway's `metadata.user_id`, as IBM's phone integration sets it.
        ...(userIdOf(userDefined) ? { global: { system: { user_id: userIdOf(userDefined) } } } : {}),
        skills: { [this.opts.skillName]: { user_defined: userDefined } },
      },
    };
    let json: unknown;
    for (let attempt = 0; ; attempt++) {
      this.sessionId ??= await this.createSession(signal);
      try {
        json = await this.opts.client.postJson(`${this.base}/${encodeURIComponent(this.sessionId)}/message${this.q()}`, body, await this.opts.authHeaders(signal), signal);
        break;
      } catch (e) {
        if (attempt === 0 && e instanceof DialogError && e.kind === 'http' && e.status === 404) {
          this.sessionId = undefined; // session expired: start a new one and resend this turn
          continue;
        }
        throw e;
      }
    }
    if (!isRecord(json) || !isRecord(json['output'])) throw new DialogError('bad-response', `${this.host} answered without an "output" object`);
    const output = json['output'];
    const skills = isRecord(json['context']) && isRecord(json['context']['skills']) ? json['context']['skills'] : undefined;
    const skill = skills && isRecord(skills[this.opts.skillName]) ? (skills[this.opts.skillName] as Record<string, unknown>) : undefined;
    const returned = skill && isRecord(skill['user_defined']) ? (skill['user_defined'] as Record<string, unknown>) : undefined;
    const response = responseFromOutput(output, returned ?? { ...req.context }, [output['user_defined']]);
    if (!returned) response.warnings.push(`the answer had no context.skills["${this.opts.skillName}"].user_defined; the previous context is kept`);
    const intents = intentNames(output['intents']);
    if (intents) response.intents = intents;
    return response;
  }

  async close(): Promise<void> {
    const id = this.sessionId;
    this.sessionId = undefined;
    if (!id) return;
    try {
      await this.opts.client.request({ method: 'DELETE', url: `${this.base}/${encodeURIComponent(id)}${this.q()}`, headers: await this.opts.authHeaders() });
    } catch {
      // the session expires on its own; nothing for the call to do
    }
  }
}
