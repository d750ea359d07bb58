/**
 * The voice agent for one call (application mode `agent`), the turn loop (docs/call.md): answer → welcome
 * turn → speak → listen → utterance (STT), keys or no-input → dialog turn → speak → actions → listen …
 * The response is spoken first, then its actions run in order (IBM's rule; handlers in actions/); a reply
 * that streams is spoken piece by piece as it arrives (streamed-turn.ts). Interrupting a prompt pauses it; the words stop
 * it and become the turn, or (nothing, a backchannel) resume it (barge-in.ts); our own echo over it is no turn.
 * A remote dialog is gated (DialogGate). A failing dialog gets `vgwConversationFailedMessage`.
 * The sensitive switch (sensitive-turns.ts) and recording consent (recording-consent.ts) apply.
 */
import { DialogError, SPECIAL_INPUTS, type GatewayTurnState, type TurnInput, type TurnRequest } from '../dialog/index.js';
import { joinUtterances } from '../speech/index.js';
import { callGatewayState, turnExchange, type TurnExchange } from './gateway-state.js';
import type { Utterance } from '../media/index.js';
import { CallPrivacy, detect, type TurnPrivacy } from '../privacy/index.js';
import { systemClock, type Clock } from '../time/index.js';
import type { AgentCall } from './agent-call.js';
import { CallServices, type DialogTarget } from './call-services.js';
import { DialogGate } from './dialog-gate.js';
import { DialogExchange } from './dialog-exchange.js';
import { DtmfCollector, type CollectResult } from './dtmf-collector.js';
import { NoInputTimer } from './no-input-timer.js';
import { Speaker, type FirstAudio, type SpeakOptions } from './speaker.js';
import { streamTurn } from './streamed-turn.js';
import { recognise, sttResponseOf } from './recognition.js';
import { EarlyTurnEnd } from './early-end.js';
import { PartialTranscripts } from './partial-transcripts.js';
import { runAction, type ActionContext, type AgentFlags } from './actions/index.js';
import { SensitiveTurns } from './sensitive-turns.js';
import { DEFAULT_INTERRUPTION, InterruptionJudge, interruptionOutcome, interruptionSettingsOf } from './barge-in.js';
import { obtainConsent } from './recording-consent.js';
import type { AgentDeps, TurnOptions, TurnTimings } from './agent-types.js';

export type { AgentDeps, TurnTimings } from './agent-types.js';

const DEFAULT_FAILED_MESSAGE = 'Sorry, something went wrong on our side.';
const DEFAULT_POST_RESPONSE_TIMEOUT_MS = 10_000;
const MAX_DIALOG_FAILURES = 3;

export class AgentSession {
  private readonly exchange: DialogExchange;
  private turnNo = 0;
  private busy = false;
  private ended = false;
  private failures = 0;
  private readonly flags: AgentFlags;
  private readonly privacy: CallPrivacy; // its own numbers, what the agent asked for, digits across turns
  private readonly sensitive: SensitiveTurns;
  private readonly gate: DialogGate;
  private readonly services: CallServices;
  private readonly speaker: Speaker;
  private readonly noInput: NoInputTimer;
  private readonly digits: DtmfCollector;
  private readonly earlyEnd: EarlyTurnEnd;
  private readonly partials: PartialTranscripts; // to a dialog that asked for them (partialResultUrl)
  private readonly interruption: InterruptionJudge;
  private readonly clock: Clock;
  private readonly abort = new AbortController(); // the call ended: dialog requests, synthesis and action handlers stop
  private speaksCallerData = false; // this turn's answer carried caller data (tokens restored): never cached
  private excludeFromCache = false;
  private bargeInOccurred = false; // since the last turn
  private completed: Array<{ command: string; parameters?: unknown }> = [];
  private pendingState: Partial<GatewayTurnState> = {};
  private reply?: AbortController; // the streamed reply in progress: barge-in aborts its request and synthesis
  private replyDone: Promise<unknown> = Promise.resolve(); // … and waits for it to settle (the dialog's history) before the next turn

  constructor(
    private readonly call: AgentCall,
    private readonly deps: AgentDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    // The application's forwarding setting decides whether transcriptions are reported from the start.
    this.flags = { speechBargeIn: true, dtmfBargeIn: true, sttPaused: false, sttDuringPlayback: true, dtmfPaused: false, transcriptionReports: call.transcriptionReports };
    this.privacy = new CallPrivacy({ numbers: [call.from, call.to], defaultCountry: deps.defaultCountry });
    this.sensitive = new SensitiveTurns(call.sensitive, (input, privacy) => call.emit({ type: 'caller.input', ...input, privacy }));
    this.gate = new DialogGate(deps.policy, deps.defaultCountry, this.privacy, call.direction ?? 'inbound');
    this.exchange = new DialogExchange(this.gate, deps.log);
    this.services = new CallServices({ stt: deps.stt, dialog: deps.dialog, remoteDialog: deps.remoteDialog }, deps.log, deps.services);
    this.speaker = new Speaker(call.media, deps.tts, this.clock, this.abort.signal, () => this.flags.sttDuringPlayback && !this.flags.sttPaused);
    this.noInput = new NoInputTimer(this.clock, () => void this.noInputTurn(SPECIAL_INPUTS.postResponseTimeout));
    this.digits = new DtmfCollector(this.clock, (r) => this.onCollected(r));
    this.interruption = new InterruptionJudge(call.media, this.clock, deps.bargeIn ? interruptionSettingsOf(deps.bargeIn) : DEFAULT_INTERRUPTION, () => this.flags.speechBargeIn, () => ((this.bargeInOccurred = true), this.reply?.abort(), this.replyDone), () => this.exchange.settings.vgwBargeInOnBackchannels === true);
    const expected = () => this.interruption.grammar(this.services.currentDialog.dialog.expectations?.().phrases);
    this.partials = new PartialTranscripts({ wanted: () => !!this.services.currentDialog.dialog.partial && !this.sensitive.on, send: (req, signal) => this.services.currentDialog.dialog.partial!(req, signal),
      request: (text) => (this.hearsCaller() ? this.exchange.partialRequest(this.services.currentDialog, text, this.baseState(), { ...(this.privacy.expect ? { expect: this.privacy.expect } : {}), sensitive: this.sensitive.on }) : undefined) }, this.abort.signal, deps.log); // gated stricter than a turn
    this.earlyEnd = new EarlyTurnEnd(call.media, deps.endpointing ?? { adaptive: true, shortHangoverMs: 240 }, async () => ({ ...(await this.services.sttForTurn(true)), phrases: expected() }), deps.log, this.clock, () => this.sensitive.on, this.partials);
  }
  /** The caller's speech now would make a turn (and its partials may go): not paused, not over our own prompt, no turn in flight in silence. */
  private readonly hearsCaller = (): boolean => !(this.flags.sttPaused || (this.busy && !this.call.media.playing) || this.interruption.overPrompt);

  start(): void {
    const m = this.call.media;
    m.on('utterance', (u) => (this.partials.utteranceEnded(), void this.onUtterance(u)));
    m.on('pause', (p) => void (this.hearsCaller() && this.earlyEnd.onPause(p))); // only pauses whose utterance would be heard
    // Caller speech (or a key press) stops the no-input timer; the utterance's turn re-arms it.
    m.on('speechStart', () => this.noInput.clear());
    this.call.onDtmf((digit) => this.onDtmf(digit));
    this.call.onEnded((reason) => void this.onCallEnded(reason));
    const speak = (text: string) => this.speaker.speak(text, { ...this.services.ttsOptions(), noCache: false });
    void obtainConsent(this.call.recording, { call: this.call, clock: this.clock, signal: this.abort.signal, flags: this.flags, services: this.services, sensitive: this.sensitive, speak }).then(() => this.runTurn({ text: '' }, { isFirst: true }));
  }
  private readonly baseState = (): GatewayTurnState => callGatewayState(this.call, this.deps.identity);

  /** Run one dialog turn and carry out its response. */
  private async runTurn(input: TurnInput, o: TurnOptions = {}): Promise<void> {
    if (this.ended) return;
    this.noInput.clear();
    this.busy = true;
    const turn = ++this.turnNo;
    const trigger = o.trigger ?? this.clock.now();
    const target = await this.services.dialogForTurn();
    if (this.ended) return;
    const state: GatewayTurnState = { ...this.baseState(), completedActions: this.completed, bargeInOccurred: this.bargeInOccurred, ...this.pendingState, ...o.state };
    [this.pendingState, this.completed, this.bargeInOccurred] = [{}, [], false]; // carried into this turn's state
    // Caller input was put through CallPrivacy by its handler; other turns are gated with the expectation.
    const turnPrivacy: TurnPrivacy = o.privacy ?? (this.privacy.expect ? { expect: this.privacy.expect } : {});
    const request = this.exchange.request(target, input, state, turnPrivacy);
    const req: TurnRequest = { input: request.input, isFirstTurn: !!o.isFirst, context: request.context };
    const timings: TurnTimings = { turn, endpointingMs: o.endpointingMs, sttMs: o.sttMs, dialogMs: 0 };
    if (target.dialog.turnStream) return this.streamedTurn(target, req, { trigger, timings }, turnPrivacy, input);
    const t0 = this.clock.now();
    const asked = await this.exchange.ask(target, req, this.clock, this.abort.signal);
    if (!asked.ok) return this.dialogFailed(turn, asked.error, t0, turnPrivacy);
    const response = asked.response;
    timings.dialogMs = Math.round(this.clock.now() - t0);
    if (this.ended) return this.services.dialogAnswered();
    const restored = this.exchange.answered(target, response, turn);
    const texts = restored.texts;
    this.speaksCallerData = restored.carriesCallerData;
    this.answered(texts);
    this.excludeFromCache = response.actions.some((a) => a.command === 'vgwActExcludeFromTTSCache');
    const first: FirstAudio = { trigger, timings };
    if (!response.actions.some((a) => a.command === 'vgwActPlayText') && texts.length) await this.speak(joinUtterances(texts).text, first);
    const ctx = this.actionContext(turn, texts, first);
    for (const action of response.actions) {
      if (this.ended) return;
      const next = await runAction(action, ctx);
      this.completed.push({ command: action.command, parameters: action.parameters });
      if (next === 'stop') return this.turnDone(timings, texts.length, turnPrivacy, turnExchange(input, texts, response, turnPrivacy.sensitive), true);
    }
    this.turnDone(timings, texts.length, turnPrivacy, turnExchange(input, texts, response, turnPrivacy.sensitive));
  }

  /** The turn is over; unless an action ended it (`stopped`: call over, or another turn scheduled), listen. */
  private turnDone(timings: TurnTimings, responses: number, privacy: TurnPrivacy, exchange: TurnExchange, stopped = false): void {
    this.deps.onTurnTimings?.(timings);
    this.call.emit({ type: 'turn.completed', ...timings, responses, privacy, ...exchange });
    if (stopped) return;
    this.services.turnEnded(timings.turn);
    this.busy = false;
    if (this.ended || this.digits.active) return; // waiting for digits (timers armed by the collection)
    this.listen();
  }

  /** The dialog answered: a "once" target has had its turn; cross-turn PII context (after "please say your card number", a bare number is one). */
  private answered(texts: string[]): void {
    this.services.dialogAnswered();
    this.failures = 0;
    this.privacy.agentSaid(texts.length ? texts.join(' ') : undefined);
    this.sensitive.agentAsked(this.privacy.expect); // a prompt asking for a card number, code, PIN or account turns the switch on
  }

  /** A reply that streams (streamed-turn.ts): each piece is spoken as it arrives, actions run in order. */
  private async streamedTurn(target: DialogTarget, req: TurnRequest, first: FirstAudio & { timings: TurnTimings }, privacy: TurnPrivacy, input: TurnInput): Promise<void> {
    const [timings, t0, ctx] = [first.timings, this.clock.now(), this.actionContext(first.timings.turn, [], first)];
    this.excludeFromCache = this.speaksCallerData = false; // until a piece restores a token
    const out = await (this.replyDone = streamTurn(target, req, first, (this.reply = new AbortController()), {
      clock: this.clock, speaker: this.speaker, exchange: this.exchange, gate: this.gate, callSignal: this.abort.signal,
      responseTimeoutMs: this.exchange.responseTimeoutMs,
      speakOptions: (text, callerData) => this.speakOptions(text, (this.speaksCallerData ||= callerData)),
      agentSaid: (text) => this.privacy.agentSaid(text),
      runAction: (a) => runAction(a, ctx).then((next) => (this.completed.push({ command: a.command, parameters: a.parameters }), next)),
    }).finally(() => (this.reply = undefined)));
    if (!out.ok) return this.dialogFailed(timings.turn, out.error, t0, privacy);
    this.answered(out.texts);
    this.turnDone(timings, out.texts.length, privacy, turnExchange(input, out.texts, undefined, privacy.sensitive), out.stopped || this.ended);
  }

  private async dialogFailed(turn: number, err: unknown, t0: number, privacy: TurnPrivacy): Promise<void> {
    if (this.ended) return;
    this.failures++;
    const kind = err instanceof DialogError ? err.kind : 'internal';
    this.deps.log.warn({ turn, kind, failures: this.failures }, 'dialog turn failed');
    this.call.emit({ type: 'turn.completed', turn, error: kind, dialogMs: Math.round(this.clock.now() - t0), privacy });
    await this.speak(this.exchange.settings.vgwConversationFailedMessage ?? DEFAULT_FAILED_MESSAGE);
    if (this.failures >= MAX_DIALOG_FAILURES) return this.call.hangup('local-bye');
    this.busy = false;
    this.listen();
  }

  /** What this turn's action handlers may touch. */
  private actionContext(turn: number, texts: string[], first: FirstAudio): ActionContext {
    let responseTextUsed = false;
    return {
      call: this.call, flags: this.flags, settings: this.exchange.settings, services: this.services, turn,
      signal: this.abort.signal, clock: this.clock, log: this.deps.log,
      speak: (text) => this.speak(text, first), say: (text) => this.speak(text), play: async (source) => void (await this.speaker.play(source)),
      takeResponseText: () => (responseTextUsed ? '' : ((responseTextUsed = true), joinUtterances(texts).text)),
      // The first digit may take as long as the post-response timeout; later gaps use the inter-digit timeout.
      collectDigits: (spec) => this.digits.start(spec, this.exchange.settings.vgwPostResponseTimeoutCount ?? DEFAULT_POST_RESPONSE_TIMEOUT_MS),
      nextTurnState: (state) => Object.assign(this.pendingState, state),
      scheduleTurn: (input, state) => this.clock.setImmediate(() => void this.runTurn(input, { state })),
      // This turn ended with the request; the forced turn is the next one.
      scheduleNoInputTurn: (text) => this.clock.setImmediate(() => ((this.busy = false), void this.noInputTurn(text))),
    };
  }

  private speak(text: string, first?: FirstAudio): Promise<void> {
    return this.ended ? Promise.resolve() : this.speaker.speak(text, this.speakOptions(text, this.speaksCallerData), first).then(() => undefined);
  }

  /** Never cache what carries the caller's data: restored tokens, the caller's own number, a sensitive stretch, or anything the detector flags. */
  private speakOptions(text: string, callerData: boolean): SpeakOptions {
    return { ...this.services.ttsOptions(), noCache: this.excludeFromCache || callerData || this.sensitive.on || detect(text, this.privacy.detection()).length > 0 };
  }

  private listen(): void {
    if (this.ended) return;
    this.call.media.listening = !this.flags.sttPaused;
    this.noInput.arm(this.exchange.settings.vgwPostResponseTimeoutCount ?? DEFAULT_POST_RESPONSE_TIMEOUT_MS);
  }

  private async noInputTurn(text: string): Promise<void> {
    if (this.ended || this.busy) return;
    this.deps.log.info({ input: text, turn: this.turnNo + 1 }, 'no-input turn');
    if (this.noInput.countTurn(this.exchange.settings.vgwDisconnectCallOnNoUserInputTurnCount ?? 0)) {
      this.pendingState.hangupReason = 'no-input';
      await this.call.hangup('local-bye');
      return;
    }
    await this.runTurn({ text });
  }

  private async onUtterance(u: Utterance): Promise<void> {
    if (this.ended || this.flags.sttPaused) return;
    if (this.busy && !this.call.media.playing) return; // a turn is in flight; the caller spoke over silence
    if (this.interruption.overPrompt || this.digits.ignoresSpeech) return; // our own echo, noise; or keys only
    if (this.digits.active) this.digits.end(false);
    const interrupting = this.interruption.recognising(u.speechMs); // a paused prompt waits for these words
    this.noInput.clear();
    // The media scheduler's timeline is the clock's now(): `u.endMs` is when the caller stopped speaking.
    const trigger = u.endMs;
    const endpointingMs = Math.round(this.clock.now() - u.endMs);
    const wasBusy = this.busy;
    this.busy = true;
    const t0 = this.clock.now();
    const phrases = this.interruption.grammar(this.services.currentDialog.dialog.expectations?.().phrases);
    const { stt, options } = await this.services.sttForTurn();
    const outcome = await interruptionOutcome(interrupting, await (this.earlyEnd.outcomeFor(u, stt, phrases, this.sensitive.on && !stt.local) ?? recognise(this.sensitive.audioFor(stt, u), stt, { phrases, engineOptions: options })), () => recognise(this.sensitive.audioFor(stt, u), stt, { engineOptions: options }), this.interruption); // over a prompt, a forced grammar match is decoded again (barge-in.ts)
    const sttMs = this.earlyEnd.decodeMsFor(u) ?? Math.round(this.clock.now() - t0); // a decode made at the pause is the turn's recognition time
    if (this.ended) return;
    if (interrupting && (await this.interruption.decide(outcome.ok ? outcome.result.transcript : undefined, u.speechMs)) === 'resumed') return void ((this.busy = wasBusy), this.deps.log.info({ sttMs }, 'false interruption: prompt resumed')); // nothing, or a backchannel: no turn
    if (!outcome.ok || !outcome.result.transcript.trim()) {
      this.deps.log.info({ ok: outcome.ok, sttMs }, 'nothing recognised');
      this.busy = false;
      if (!this.call.media.playing) this.listen();
      return;
    }
    const r = outcome.result;
    this.noInput.heard();
    const privacy = this.sensitive.callerTurn(this.privacy.callerTurn({ text: r.transcript }), { text: r.transcript });
    if (this.flags.transcriptionReports) this.call.emit({ type: 'transcription', turn: this.turnNo + 1, confidence: r.confidence, ...this.sensitive.transcription(r.transcript, r.alternatives, privacy), privacy });
    await this.runTurn({ text: r.matchedPhrase ?? r.transcript }, { trigger, endpointingMs, sttMs, state: { sttResponse: sttResponseOf(r), isDtmf: false }, privacy });
  }

  private onDtmf(digit: string): void {
    if (this.ended || this.flags.dtmfPaused) return;
    this.noInput.clear();
    if (this.call.media.playing) {
      if (!this.flags.dtmfBargeIn && !this.digits.active) return;
      this.call.media.stopPlayback(); // ends a paused interruption too (playbackFinished 'stopped')
      this.reply?.abort();
      this.bargeInOccurred = true;
    }
    if (this.digits.active) return this.digits.press(digit);
    if (this.busy) return;
    this.noInput.heard();
    void this.runTurn({ dtmf: digit }, { state: { isDtmf: true }, privacy: this.sensitive.callerTurn(this.privacy.callerTurn({ dtmf: digit }), { dtmf: digit }) });
  }

  private onCollected({ digits, ok }: CollectResult): void {
    this.noInput.heard();
    if (!digits && !ok) return void this.noInputTurn(SPECIAL_INPUTS.postResponseTimeout);
    void this.runTurn({ dtmf: digits }, { state: { isDtmf: true, dtmfCollectionSucceeded: ok }, privacy: this.sensitive.callerTurn(this.privacy.callerTurn({ dtmf: digits }), { dtmf: digits }) });
  }

  private async onCallEnded(reason: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.abort.abort();
    this.noInput.clear();
    this.digits.dispose();
    this.speaker.close();
    this.partials.report();
    // Tell the dialog the caller hung up (IBM's vgwHangUp turn); its answer is not played.
    if (reason === 'remote-bye') await this.exchange.callerHungUp(this.services.currentDialog, { ...this.baseState(), hangupReason: 'caller' }, this.clock);
    this.gate.clear();
    await this.services.close();
  }
}
