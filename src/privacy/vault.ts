/**
 * A call-scoped, in-memory token vault: `tokenize` swaps a PII value for a token such as
 * `[CREDIT_DEBIT_NUMBER_1]`, `restore` swaps tokens in a text back for the exact original values.
 * An utterance can then go to an external dialog or LLM without PII and the dialog's answer be
 * restored before it is spoken. Nothing is persisted; `clear()` at call end forgets everything.
 *
 * Token form: `[` TYPE `_` n `]`, n counting from 1 per type within the vault. The same original
 * text (same type, same characters) always gets the same token, so the dialog can see that two
 * mentions are the same number. `restore` replaces only tokens this vault issued, exactly, and
 * leaves anything else (including tokens of another call) untouched.
 */

const TOKEN_RE = /\[([A-Z][A-Z_]*?)_(\d+)\]/g;

export class TokenVault {
  private readonly byValue = new Map<string, string>();
  private readonly byToken = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** The token for `value` of `type` (a PiiType or any upper-case label such as `DTMF`). */
  tokenize(type: string, value: string): string {
    const key = type + '\u0000' + value;
    const existing = this.byValue.get(key);
    if (existing !== undefined) return existing;
    const n = (this.counters.get(type) ?? 0) + 1;
    this.counters.set(type, n);
    const token = `[${type}_${n}]`;
    this.byValue.set(key, token);
    this.byToken.set(token, value);
    return token;
  }

  /** The original value of one token, if this vault issued it. */
  lookup(token: string): string | undefined {
    return this.byToken.get(token);
  }

  /** `text` with every token this vault issued replaced by its original value. */
  restore(text: string): string {
    if (this.byToken.size === 0 || text.indexOf('[') < 0) return text;
    return text.replace(TOKEN_RE, (m) => this.byToken.get(m) ?? m);
  }

  get size(): number {
    return this.byToken.size;
  }

  clear(): void {
    this.byValue.clear();
    this.byToken.clear();
    this.counters.clear();
  }
}
