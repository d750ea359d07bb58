/**
 * The `local` dialog provider: runs a compiled YAML flow in process, one instance per call. The
 * flow position (state, slots, no-input count) lives in the instance, not in the context, so
 * collected values (a card number) never travel in the context or reach an event; only the
 * response's `set` variables are written into the context.
 *
 * Turn order: first turn → `welcome`; special inputs (`vgwHangUp`, `vgwCallTransferred` → nothing;
 * `vgwPostResponseTimeout`/`vgwNoInputTurn` → the state's or flow's no-input reprompt, `final` after
 * `noInput.max`; `vgwCallTransferFailed` → `transferFailed`); a state collecting a slot takes keyed
 * or spoken digits; otherwise a DTMF key selects its intent and speech is matched against the
 * state's intents; nothing matched → the state's or flow's `fallback`.
 */
import { SPECIAL_INPUTS } from '../context-vars.js';
import { placeText } from '../response.js';
import type { Dialog, Expectations, TurnRequest, TurnResponse } from '../types.js';
import { expectedPhrases, luhnValid, renderTemplate, type Flow, type FlowResponse, type FlowSlot, type FlowState } from './flow.js';
import { bestIntent, spokenDigits } from './matcher.js';

export class LocalDialog implements Dialog {
  private state: string;
  private readonly slots: Record<string, string> = {};
  private noInputCount = 0;
  /** Name of the last intent matched, for tests and diagnostics. */
  lastIntent: string | undefined;

  constructor(private readonly flow: Flow) {
    this.state = flow.start;
  }

  get currentState(): string {
    return this.state;
  }

  async turn(req: TurnRequest): Promise<TurnResponse> {
    this.lastIntent = undefined;
    const context = { ...req.context };
    if (req.isFirstTurn) return this.respond(this.flow.welcome, context);
    const st = this.flow.states.get(this.state)!;

    if ('text' in req.input) {
      const text = req.input.text;
      switch (text) {
        case SPECIAL_INPUTS.hangUp:
        case SPECIAL_INPUTS.callTransferred:
          return { text: [], actions: [], context, warnings: [] };
        case SPECIAL_INPUTS.postResponseTimeout:
        case SPECIAL_INPUTS.noInputTurn:
          this.noInputCount++;
          if (this.noInputCount > this.flow.noInput.max) return this.respond(this.flow.noInput.final, context);
          return this.respond(st.noInput ?? this.flow.noInput.reprompt, context);
        case SPECIAL_INPUTS.callTransferFailed:
          return this.respond(this.flow.transferFailed ?? this.flow.fallback, context);
      }
      this.noInputCount = 0;
      if (st.collect?.fromSpeech) {
        const digits = spokenDigits(text);
        if (digits !== undefined) return this.fill(st.collect, digits, context);
        // not digits: the caller may be asking for something else ("agent")
        const r = this.matchIntent(st, text, context);
        return r ?? this.respond(st.collect.invalid, context);
      }
      return this.matchIntent(st, text, context) ?? this.respond(st.fallback ?? this.flow.fallback, context);
    }

    this.noInputCount = 0;
    const keyed = req.input.dtmf;
    if (st.collect?.fromDtmf) return this.fill(st.collect, keyed, context);
    const byKey = keyed.length === 1 ? st.intents.find((i) => i.dtmf === keyed) : undefined;
    if (byKey) {
      this.lastIntent = byKey.name;
      return this.respond(byKey.respond, context);
    }
    return this.respond(st.fallback ?? this.flow.fallback, context);
  }

  expectations(): Expectations {
    const st = this.flow.states.get(this.state);
    const dtmf = !!st && (!!st.collect?.fromDtmf || st.intents.some((i) => i.dtmf !== undefined));
    return { phrases: expectedPhrases(this.flow, this.state), dtmf };
  }

  private matchIntent(st: FlowState, text: string, context: Record<string, unknown>): TurnResponse | undefined {
    const m = bestIntent(text, st.intents, this.flow.threshold);
    if (!m) return undefined;
    this.lastIntent = m.name;
    return this.respond(st.intents.find((i) => i.name === m.name)!.respond, context);
  }

  private fill(slot: FlowSlot, raw: string, context: Record<string, unknown>): TurnResponse {
    const value = raw.replace(/#$/, '');
    if (!slot.pattern.test(value) || (slot.luhn && !luhnValid(value))) return this.respond(slot.invalid, context);
    this.slots[slot.name] = value;
    return this.respond(slot.filled, context, this.flow.start);
  }

  private respond(r: FlowResponse, context: Record<string, unknown>, defaultNext?: string): TurnResponse {
    Object.assign(context, r.set);
    const next = r.next ?? defaultNext;
    if (next) this.state = next;
    const values = { ...this.flow.variables, ...this.slots };
    const text = r.say.map((s) => renderTemplate(s, values));
    return placeText(text, r.actions.slice(), context, []);
  }
}
