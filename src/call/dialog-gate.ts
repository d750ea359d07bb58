/**
 * The privacy gate between a voice-agent call and a dialog outside the process (webhook, Watson,
 * LLM): what goes out passes the application's policy for the `dialog` destination (tokens instead
 * of PII by default, from the call's token vault), and tokens in what comes back are restored
 * before the gateway reads or speaks it. A dialog inside the process (a local flow) sees the call
 * as it is. The vault lives as long as the call and is cleared when it ends.
 */
import type { TurnInput, TurnResponse } from '../dialog/index.js';
import type { PrivacyPolicy } from '../privacy/index.js';
import { applyPolicy } from '../privacy/index.js';
import { TokenVault } from '../privacy/index.js';
import type { CallPrivacy, TurnPrivacy } from '../privacy/index.js';

type Context = Record<string, unknown>;

export interface RestoredResponse {
  /** The context with tokens restored: what the gateway itself reads (settings, transfer target). */
  context: Context;
  /** Texts to speak, tokens restored, empty ones left out. */
  texts: string[];
  /** The answer carried caller data (a token was restored): never cached. */
  carriesCallerData: boolean;
}

export class DialogGate {
  readonly #vault = new TokenVault();
  /** The policy partials are gated with: the dialog's, its `token` transcript rule made `mask` (see outboundPartial). */
  readonly #partialPolicy: PrivacyPolicy;

  constructor(
    private readonly policy: PrivacyPolicy,
    private readonly defaultCountry: string,
    private readonly privacy: CallPrivacy,
    /** Who placed the call: on an outbound call the remote party is To, our own line From. */
    private readonly direction: 'inbound' | 'outbound' = 'inbound',
  ) {
    const rule = policy.dialog.transcript;
    const partialRule = typeof rule === 'object' && rule.redact === 'token' ? { redact: 'mask' as const } : rule;
    this.#partialPolicy = { ...policy, dialog: { ...policy.dialog, transcript: partialRule } };
  }

  /**
   * A partial transcript as a remote dialog may see it, or undefined when it may not go at all (the
   * sensitive switch, a `drop` rule, `dropIfPii` with anything found). Stricter than a turn: what is
   * being dictated cannot be told yet, so every number run in it is a value whatever its length
   * (gated as a dictation in progress), and values are masked, never tokenized — a token would name
   * half a value in the call's vault, which the dialog could echo and have restored.
   */
  outboundPartial(text: string, turn: TurnPrivacy): string | undefined {
    if (turn.sensitive || !text.trim()) return undefined;
    const gated = applyPolicy('dialog', { transcript: text }, this.#partialPolicy, {
      detection: this.privacy.detection({ ...turn, continuesDigitRun: true }),
      defaultCountry: this.defaultCountry,
      direction: this.direction,
    });
    return gated.transcript?.trim() ? gated.transcript : undefined;
  }

  /**
   * A turn's input and context as a remote dialog may see them. A turn taken while the sensitive
   * switch was on goes as one token, whatever the policy says (`allow` included): the dialog can
   * refer to the value and the gateway restores it before speaking, but never sends it.
   */
  outbound(input: TurnInput, context: Context, turn: TurnPrivacy): { input: TurnInput; context: Context } {
    if (turn.sensitive) return { input: this.#withheld(input, turn), context: this.outboundContext(context) };
    const gated = applyPolicy(
      'dialog',
      { transcript: 'text' in input ? input.text : undefined, dtmf: 'dtmf' in input ? input.dtmf : undefined, context },
      this.policy,
      { vault: this.#vault, detection: this.privacy.detection(turn), defaultCountry: this.defaultCountry, direction: this.direction },
    );
    return {
      input: 'dtmf' in input ? { dtmf: gated.dtmf ?? '' } : { text: gated.transcript ?? '' },
      context: (gated.context as Context) ?? {},
    };
  }

  #withheld(input: TurnInput, turn: TurnPrivacy): TurnInput {
    const type = turn.expect ?? 'SENSITIVE';
    if ('dtmf' in input) return { dtmf: input.dtmf ? this.#vault.tokenize(type, input.dtmf) : '' };
    return { text: input.text.trim() ? this.#vault.tokenize(type, input.text) : '' };
  }

  /** A context alone (the hang-up turn), under the same gate. */
  outboundContext(context: Context): Context {
    return (applyPolicy('dialog', { context }, this.policy, { vault: this.#vault, detection: this.privacy.detection(), defaultCountry: this.defaultCountry, direction: this.direction }).context as Context) ?? {};
  }

  /** A remote dialog's answer with its tokens restored. */
  restore(response: TurnResponse): RestoredResponse {
    const restored = response.text.map((t) => this.#vault.restore(t));
    return {
      context: restoreDeep(response.context, this.#vault),
      texts: restored.filter((t) => t.trim()),
      carriesCallerData: response.text.some((t, i) => restored[i] !== t),
    };
  }

  /** One piece of a streamed answer with its tokens restored (pieces never split a token). */
  restoreText(text: string): { text: string; carriesCallerData: boolean } {
    const restored = this.#vault.restore(text);
    return { text: restored, carriesCallerData: restored !== text };
  }

  clear(): void {
    this.#vault.clear();
  }
}

function restoreDeep(v: unknown, vault: TokenVault): Context {
  const walk = (x: unknown, depth: number): unknown => {
    if (typeof x === 'string') return vault.restore(x);
    if (depth > 8 || x === null || typeof x !== 'object') return x;
    if (Array.isArray(x)) return x.map((y) => walk(y, depth + 1));
    return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y, depth + 1)]));
  };
  return (walk(v, 0) as Context) ?? {};
}
