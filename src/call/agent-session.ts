/**
 * The voice agent for one call (application mode `agent`): the turn loop that makes Hushgate a
 * voice agent gateway.
 *
 *   answer → welcome turn (empty input) → speak → listen ─┬─ utterance → STT ──────┐
 *                                                        ├─ DTMF (digit or collection)├─▶ dialog turn → speak → actions → listen …
 *                                                        └─ no-input timer ─────────┘
 *
 * - Speech and DTMF barge-in stop playout within one frame (the player flushes on the next tick).
 * - The dialog's response is spoken first, then its actions run in order (IBM Voice Gateway's rule).
 * - What goes to a dialog outside the process passes the application's privacy policy (`dialog`
 *   destination: tokens by default) and tokens in the answer are restored before speaking.
 * - Turn timings (endpointing, STT, dialog, TTS first audio) are measured and emitted as
 *   `turn.completed` CallEvents; final recognitions as `transcription` events.
 * - A dialog that fails (timeout, bad JSON, unreachable) gets an error turn: the gateway speaks
 *   `vgwConversationFailedMessage` and keeps listening; three failures in a row end the call.
 */
import type { Logger } from 'pino';
import type { ActiveCall } from './call-manager.js';
import type { Dialog, TurnInput, TurnResponse } from '../dialog/types.js';
import { DialogError } from '../dialog/types.js';
import type { ActionCommand, ActionOf } from '../dialog/actions.js';
import { gatewayContext, readDialogSettings, SPECIAL_INPUTS, type DialogSettings, type GatewayTurnState, type SttResponse } from '../dialog/context-vars.js';
import type { Stt, SttResult, Tts } from '../speech/types.js';
import type { Utterance } from '../media/vad/endpointer.js';
import { FRAME_SAMPLES } from '../media/clock.js';
import type { PrivacyPolicy } from '../privacy/policy.js';
import { applyPolicy } from '../privacy/policy.js';
import { TokenVault } from '../privacy/vault.js';
import { CallPrivacy, type TurnPrivacy } from '../privacy/call-privacy.js';
import { detect } from '../privacy/detect.js';
import { buildSipInfoDtmf } from '../media/dtmf/sip-info.js';
import { SettingsLayers, type CallOverrideFactory } from './config-override.js';

export interface AgentDeps {
  dialog: Dialog;
  /** The dialog runs outside the process (webhook, Watson, LLM): the privacy gate applies. */
  remoteDialog: boolean;
  stt: Stt;
  tts: Tts;
  policy: PrivacyPolicy;
  defaultCountry: string;
  log: Logger;
  /** Turn timing observer (metrics). */
  onTurnTimings?: (t: TurnTimings) => void;
  /** Builds the engines and dialogs a dialog asks for mid-call (`vgwActSet*Config` with credentials or a new target). */
  overrides?: CallOverrideFactory;
}

export interface TurnTimings {
  turn: number;
  /** Caller stopped speaking → endpointer declared the utterance over (the hangover). */
  endpointingMs?: number;
  sttMs?: number;
  dialogMs: number;
  /** TTS request → first audio chunk. */
  ttsFirstAudioMs?: number;
  /** End of caller speech (or DTMF/no-input trigger) → first reply frame handed to the player. */
  totalToFirstAudioMs?: number;
  cacheHit?: boolean;
}

const DEFAULT_FAILED_MESSAGE = 'Sorry, something went wrong on our side.';
const DEFAULT_TRANSFER_FAILED_MESSAGE = 'Sorry, the transfer did not go through.';

interface Collection {
  termKey?: string;
  min: number;
  max: number;
  interDigitMs: number;
  digits: string;
  timer?: NodeJS.Timeout;
  ignoreSpeech: boolean;
}

export class AgentSession {
  /** The dialog's context with tokens restored: what the gateway itself reads (settings, transfer target). */
  private context: Record<string, unknown> = {};
  /**
   * The context exactly as the dialog returned it (a remote dialog's tokens left as tokens): what goes
   * back to it. Sending the restored one would make the gate find each value again, in a later turn's
   * context, and a value found only because the agent had just asked for it would go back raw.
   */
  private dialogContext: Record<string, unknown> = {};
  private settings: DialogSettings = {};
  private turnNo = 0;
  private busy = false;
  private ended = false;
  private readonly vault = new TokenVault();
  /** The call's privacy context: its own numbers, what the agent asked for, digits across turns. */
  private readonly privacy: CallPrivacy;
  /** The dialog's answer this turn carried caller data (tokens restored): it is never cached. */
  private speaksCallerData = false;
  private speechBargeIn = true;
  private dtmfBargeIn = true;
  private sttPaused = false;
  private sttDuringPlayback = true;
  private dtmfPaused = false;
  private noInputTimer?: NodeJS.Timeout;
  private noInputTurns = 0;
  private failures = 0;
  private collection?: Collection;
  private bargeInOccurred = false;
  private excludeFromCache = false;
  /** `vgwActSet*Config` changes for this call (src/call/config-override.ts). */
  private readonly sttLayers = new SettingsLayers();
  private readonly ttsLayers = new SettingsLayers();
  private readonly dialogLayers = new SettingsLayers();
  /** Turn in which a "once" TTS change was made: it lasts until the end of the next turn. */
  private ttsOnceSetIn?: number;
  private readonly callStts = new Map<string, Promise<Stt>>();
  private readonly callDialogs = new Map<string, Promise<{ dialog: Dialog; remote: boolean; close(): void } | undefined>>();
  /** The dialog the next turn goes to (the application's, or one a `vgwActSetConversationConfig` chose). */
  private dialogNow?: { dialog: Dialog; remote: boolean };
  private completed: Array<{ command: string; parameters?: unknown }> = [];
  private pendingState: Partial<GatewayTurnState> = {};
  private readonly abort = new AbortController();
  private playbackDone?: () => void;
  private transcriptionReports: boolean;
  readonly customCdr: Record<string, unknown> = {};

  constructor(
    private readonly call: ActiveCall,
    private readonly deps: AgentDeps,
  ) {
    // The application's forwarding setting decides whether transcriptions are reported from the start.
    this.transcriptionReports = call.route.application.forwarding.transcriptionReports;
    const h = call.session.request.headers;
    this.privacy = new CallPrivacy({ numbers: [h.get('From'), h.get('To')], defaultCountry: deps.defaultCountry });
  }

  private get log(): Logger {
    return this.deps.log;
  }

  start(): void {
    const m = this.call.media;
    m.on('utterance', (u) => void this.onUtterance(u));
    m.on('bargeIn', () => this.onSpeechBargeIn());
    // Caller speech (or a key press) stops the no-input timer; the utterance's turn re-arms it.
    m.on('speechStart', () => this.clearNoInput());
    m.on('dtmf', (e) => this.onDtmf(e.digit));
    m.on('playbackFinished', () => {
      const done = this.playbackDone;
      this.playbackDone = undefined;
      done?.();
    });
    this.call.session.on('info', (req) => {
      if (req.method === 'INFO') {
        // SIP INFO DTMF arrives as the call's `dtmf` CallEvent too; route it into the turn logic.
        const ct = req.headers.get('Content-Type') ?? '';
        const body = req.body.toString('utf8');
        const sig = /signal\s*=\s*([0-9*#A-D])/i.exec(body)?.[1] ?? (/^application\/dtmf\b/i.test(ct) ? body.trim()[0] : undefined);
        if (sig) this.onDtmf(sig);
      }
    });
    this.call.session.once('ended', (reason) => void this.onCallEnded(reason));
    void this.runTurn({ text: '' }, { isFirst: true });
  }

  // ---- turns ----------------------------------------------------------------------------------

  private baseState(): GatewayTurnState {
    const req = this.call.session.request;
    return {
      sessionId: this.call.info.callId,
      sipCallId: this.call.info.callId,
      sipRequestUri: `${req.uri.scheme}:${req.uri.user ?? ''}@${req.uri.host}`,
      sipFromUri: req.headers.get('From') ?? '',
      sipToUri: req.headers.get('To') ?? '',
    };
  }

  /** Run one dialog turn and carry out its response. `trigger` is when the input became final. */
  private async runTurn(input: TurnInput, o: { isFirst?: boolean; trigger?: number; endpointingMs?: number; sttMs?: number; state?: Partial<GatewayTurnState>; privacy?: TurnPrivacy } = {}): Promise<void> {
    if (this.ended) return;
    this.clearNoInput();
    this.busy = true;
    const turn = ++this.turnNo;
    const trigger = o.trigger ?? performance.now();
    const target = await this.dialogForTurn();
    if (this.ended) return;
    const state: GatewayTurnState = { ...this.baseState(), completedActions: this.completed, bargeInOccurred: this.bargeInOccurred, ...this.pendingState, ...o.state };
    this.pendingState = {};
    this.completed = [];
    this.bargeInOccurred = false;
    let context = gatewayContext(target.remote ? this.dialogContext : this.context, state);
    let sentInput = input;
    // Caller input (speech, keys) was put through CallPrivacy by its handler; other turns (the
    // first, no-input, transfer failed) carry no caller words but are gated with the expectation.
    const turnPrivacy: TurnPrivacy = o.privacy ?? (this.privacy.expect ? { expect: this.privacy.expect } : {});
    if (target.remote) {
      // The privacy gate for a dialog outside the process: tokens (by default) instead of PII.
      const gated = applyPolicy(
        'dialog',
        { transcript: 'text' in input ? input.text : undefined, dtmf: 'dtmf' in input ? input.dtmf : undefined, context },
        this.deps.policy,
        { vault: this.vault, detection: this.privacy.detection(turnPrivacy), defaultCountry: this.deps.defaultCountry },
      );
      sentInput = 'dtmf' in input ? { dtmf: gated.dtmf ?? '' } : { text: gated.transcript ?? '' };
      context = (gated.context as Record<string, unknown>) ?? {};
    }
    const timeoutMs = this.settings.vgwConversationResponseTimeout ?? 10_000;
    const t0 = performance.now();
    let response: TurnResponse;
    try {
      response = await target.dialog.turn({ input: sentInput, isFirstTurn: !!o.isFirst, context }, AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]));
    } catch (err) {
      if (this.ended) return;
      this.failures++;
      const kind = err instanceof DialogError ? err.kind : 'internal';
      this.log.warn({ turn, kind, failures: this.failures }, 'dialog turn failed');
      this.call.emit({ type: 'turn.completed', turn, error: kind, dialogMs: Math.round(performance.now() - t0), privacy: turnPrivacy });
      await this.speak(this.settings.vgwConversationFailedMessage ?? DEFAULT_FAILED_MESSAGE, trigger, undefined);
      if (this.failures >= 3) {
        await this.call.hangup('local-bye');
        return;
      }
      this.busy = false;
      this.listen();
      return;
    }
    const dialogMs = performance.now() - t0;
    this.dialogLayers.turnUsed(); // a "once" target answered its one turn
    this.failures = 0;
    if (this.ended) return;
    this.context = target.remote ? restoreDeep(response.context, this.vault) : response.context;
    this.dialogContext = response.context;
    const s = readDialogSettings(this.context);
    this.settings = { ...this.settings, ...s.settings };
    for (const w of [...response.warnings, ...s.errors]) this.log.warn({ turn, warning: w }, 'dialog warning');
    const texts = response.text.map((t) => (target.remote ? this.vault.restore(t) : t)).filter((t) => t.trim());
    this.speaksCallerData = target.remote && response.text.some((t) => this.vault.restore(t) !== t);
    const timings: TurnTimings = { turn, endpointingMs: o.endpointingMs, sttMs: o.sttMs, dialogMs: Math.round(dialogMs) };
    // Cross-turn PII context: after "please say your card number", a bare number is a card number.
    this.privacy.agentSaid(texts.length ? texts.join(' ') : undefined);
    this.excludeFromCache = response.actions.some((a) => a.command === 'vgwActExcludeFromTTSCache');
    const hasPlayText = response.actions.some((a) => a.command === 'vgwActPlayText');
    if (!hasPlayText && texts.length) await this.speak(texts.join(' '), trigger, timings);
    let playTextUsed = false;
    for (const action of response.actions) {
      if (this.ended) return;
      const keepGoing = await this.runAction(action, texts, () => {
        const first = !playTextUsed;
        playTextUsed = true;
        return first;
      }, trigger, timings);
      this.completed.push({ command: action.command, parameters: action.parameters });
      if (!keepGoing) {
        this.emitTurn(timings, texts.length, turnPrivacy);
        return;
      }
    }
    this.emitTurn(timings, texts.length, turnPrivacy);
    if (this.ttsOnceSetIn !== undefined && turn > this.ttsOnceSetIn) {
      this.ttsLayers.turnUsed();
      this.ttsOnceSetIn = undefined;
    }
    this.busy = false;
    if (this.ended) return;
    if (this.collection) return; // waiting for digits (timers armed by the collection)
    this.listen();
  }

  private emitTurn(t: TurnTimings, responses: number, privacy: TurnPrivacy): void {
    this.deps.onTurnTimings?.(t);
    this.call.emit({ type: 'turn.completed', ...t, responses, privacy });
  }

  /** Carry out one action. Returns false when the call is over (hang-up, transfer). */
  private async runAction(a: ActionCommand, texts: string[], firstPlayText: () => boolean, trigger: number, timings: TurnTimings): Promise<boolean> {
    switch (a.command) {
      case 'vgwActPlayText': {
        const text = a.parameters.text?.length ? a.parameters.text.join(' ') : firstPlayText() ? texts.join(' ') : '';
        if (text) await this.speak(text, trigger, timings);
        return true;
      }
      case 'vgwActPlayUrl':
        await this.play({ kind: 'url', url: a.parameters.url });
        return true;
      case 'vgwActHangup':
        this.pendingState.hangupReason = 'dialog';
        await this.call.hangup('local-bye');
        return false;
      case 'vgwActTransfer':
        return this.transfer(a);
      case 'vgwActCollectDTMF': {
        const p = a.parameters;
        this.collection = {
          termKey: p.dtmfTermKey,
          min: p.dtmfCount ?? p.dtmfMinCount ?? 1,
          max: p.dtmfCount ?? p.dtmfMaxCount ?? (p.dtmfTermKey ? 64 : 1),
          interDigitMs: p.dtmfInterDigitTimeoutCount ?? 5000,
          digits: '',
          ignoreSpeech: p.dtmfIgnoreSpeech ?? false,
        };
        // The first digit may take as long as the post-response timeout; later gaps use the inter-digit timeout.
        this.armCollectionTimer(this.settings.vgwPostResponseTimeoutCount ?? 10_000);
        return true;
      }
      case 'vgwActPauseDTMF':
        this.dtmfPaused = true;
        return true;
      case 'vgwActUnPauseDTMF':
        this.dtmfPaused = false;
        return true;
      case 'vgwActPauseSTT':
        this.sttPaused = true;
        this.call.media.listening = false;
        return true;
      case 'vgwActUnPauseSTT':
        this.sttPaused = false;
        this.call.media.listening = true;
        return true;
      case 'vgwActDisableSTTDuringPlayback':
        this.sttDuringPlayback = false;
        return true;
      case 'vgwActEnableSTTDuringPlayback':
        this.sttDuringPlayback = true;
        return true;
      case 'vgwActEnableSpeechBargeIn':
        this.speechBargeIn = true;
        return true;
      case 'vgwActDisableSpeechBargeIn':
        this.speechBargeIn = false;
        return true;
      case 'vgwActEnableDTMFBargeIn':
        this.dtmfBargeIn = true;
        return true;
      case 'vgwActDisableDTMFBargeIn':
        this.dtmfBargeIn = false;
        return true;
      case 'vgwActExcludeFromTTSCache':
        return true;
      case 'vgwActSetTTSConfig': {
        const p = a.parameters;
        this.ttsLayers.apply({ config: p.config }, p.updateMethod);
        if (p.updateMethod.endsWith('Once')) this.ttsOnceSetIn = this.turnNo;
        if (p.credentials) this.log.warn({ command: a.command }, 'TTS credentials cannot change mid-call; the voice and cache settings apply');
        return true;
      }
      case 'vgwActSetSTTConfig': {
        const p = a.parameters;
        this.sttLayers.apply({ config: p.config, ...(p.credentials ? { credentials: p.credentials } : {}) }, p.updateMethod);
        const ignored = this.deps.stt.engine === 'embedded' ? Object.keys(p.config).filter((k) => k !== 'language') : [];
        if (ignored.length) this.log.warn({ command: a.command, ignored }, 'the embedded recogniser has no such settings; ignored');
        return true;
      }
      case 'vgwActSetConversationConfig': {
        const p = a.parameters;
        this.dialogLayers.apply({ config: p.config, ...(p.credentials ? { credentials: p.credentials } : {}) }, p.updateMethod);
        return true;
      }
      case 'vgwActForceNoInputTurn':
        setImmediate(() => void this.noInputTurn(SPECIAL_INPUTS.noInputTurn));
        return false;
      case 'vgwActSendSIPInfo': {
        const p = a.parameters;
        const body = p.body === undefined ? undefined : typeof p.body === 'string' ? p.body : JSON.stringify(p.body);
        await this.call.session.sendInDialog('INFO', {
          headers: (p.headers ?? []).map((h) => [h.name, h.value] as [string, string]),
          body: body === undefined ? undefined : Buffer.from(body),
          contentType: p.contentType ?? (typeof p.body === 'object' ? 'application/json' : 'text/plain'),
        });
        return true;
      }
      case 'vgwActSendDTMF': {
        const p = a.parameters;
        for (const d of p.digits) {
          if (!this.call.media.sendDtmf(d, p.durationMs ?? 100)) {
            // No telephone-event negotiated: fall back to SIP INFO (application/dtmf-relay).
            const info = buildSipInfoDtmf(d, p.durationMs ?? 100, 'dtmf-relay');
            if (info.ok) await this.call.session.sendInDialog('INFO', { body: Buffer.from(info.value.body), contentType: info.value.contentType });
          }
          await sleep((p.durationMs ?? 100) + (p.gapMs ?? 100) + 60);
        }
        return true;
      }
      case 'vgwActEnableTranscriptionReport':
        this.transcriptionReports = true;
        return true;
      case 'vgwActDisableTranscriptionReport':
        this.transcriptionReports = false;
        return true;
      case 'vgwActAddCustomCDRData':
        Object.assign(this.customCdr, a.parameters);
        this.call.info.customCdr = this.customCdr;
        return true;
    }
  }

  // ---- speaking -------------------------------------------------------------------------------

  private async speak(text: string, trigger: number, timings: TurnTimings | undefined): Promise<void> {
    if (this.ended || !text.trim()) return;
    const started = performance.now();
    let first = true;
    const tts = this.deps.tts;
    // Never cache what carries the caller's data: restored tokens, the caller's own number, or
    // anything the detector flags (the TTS cache checks the last again on its own).
    const noCache = this.excludeFromCache || this.speaksCallerData || detect(text, this.privacy.detection()).length > 0;
    const t = this.ttsLayers.current()['config'] as Record<string, unknown> | undefined;
    const voice = typeof t?.['voice'] === 'string' ? t['voice'] : undefined;
    const ttl = typeof t?.['cacheTimeToLive'] === 'number' ? t['cacheTimeToLive'] : undefined;
    const signal = this.abort.signal;
    const chunks = (async function* () {
      for await (const chunk of tts.synthesize({ text, voice, noCache, cacheTimeToLiveSec: ttl, signal })) {
        if (first && timings) {
          first = false;
          timings.ttsFirstAudioMs = Math.round(performance.now() - started);
          timings.totalToFirstAudioMs = Math.round(performance.now() - trigger);
        }
        yield chunk;
      }
    })();
    await this.play({ kind: 'stream', chunks, sampleRate: 8000 });
  }

  private play(source: Parameters<ActiveCall['media']['play']>[0]): Promise<void> {
    return new Promise((resolve) => {
      if (this.ended) return resolve();
      const prev = this.playbackDone;
      this.playbackDone = () => {
        prev?.();
        resolve();
      };
      this.call.media.listening = this.sttDuringPlayback && !this.sttPaused;
      this.call.media.play(source);
    });
  }

  // ---- listening ------------------------------------------------------------------------------

  private listen(): void {
    if (this.ended) return;
    this.call.media.listening = !this.sttPaused;
    const ms = this.settings.vgwPostResponseTimeoutCount ?? 10_000;
    if (ms > 0) this.noInputTimer = setTimeout(() => void this.noInputTurn(SPECIAL_INPUTS.postResponseTimeout), ms);
  }

  private clearNoInput(): void {
    clearTimeout(this.noInputTimer);
    this.noInputTimer = undefined;
  }

  private async noInputTurn(text: string): Promise<void> {
    if (this.ended || this.busy) return;
    this.log.info({ input: text, turn: this.turnNo + 1 }, 'no-input turn');
    this.noInputTurns++;
    const max = this.settings.vgwDisconnectCallOnNoUserInputTurnCount ?? 0;
    if (max > 0 && this.noInputTurns > max) {
      this.pendingState.hangupReason = 'no-input';
      await this.call.hangup('local-bye');
      return;
    }
    await this.runTurn({ text });
  }

  private onSpeechBargeIn(): void {
    if (!this.speechBargeIn || !this.call.media.playing) return;
    this.call.media.stopPlayback();
    this.bargeInOccurred = true;
  }

  private async onUtterance(u: Utterance): Promise<void> {
    if (this.ended || this.sttPaused) return;
    if (this.busy && !this.call.media.playing) return; // a turn is in flight; the caller spoke over silence
    if (this.collection?.ignoreSpeech) return;
    if (this.collection) this.endCollection(false);
    this.clearNoInput();
    // The scheduler's timeline is performance.now(): `u.endMs` is when the caller stopped speaking.
    const trigger = u.endMs;
    const endpointingMs = Math.round(performance.now() - u.endMs);
    this.busy = true;
    const t0 = performance.now();
    const phrases = (this.dialogNow?.dialog ?? this.deps.dialog).expectations?.().phrases;
    const sttNow = this.sttLayers.current();
    const engine = await this.sttForTurn(sttNow);
    const engineOptions = sttNow['config'] as Record<string, unknown> | undefined;
    const stream = engine.startTurn({ ...(phrases?.length ? { grammar: { phrases } } : {}), ...(engineOptions && Object.keys(engineOptions).length ? { engineOptions } : {}) });
    this.sttLayers.turnUsed(); // a "once" setting was for this recognition
    for (let i = 0; i + FRAME_SAMPLES <= u.audio.length; i += FRAME_SAMPLES) stream.push(u.audio.subarray(i, i + FRAME_SAMPLES));
    stream.end();
    const outcome = await stream.result;
    const sttMs = Math.round(performance.now() - t0);
    if (this.ended) return;
    if (!outcome.ok || !outcome.result.transcript.trim()) {
      this.log.info({ ok: outcome.ok, sttMs }, 'nothing recognised');
      this.busy = false;
      if (!this.call.media.playing) this.listen();
      return;
    }
    const r: SttResult = outcome.result;
    this.noInputTurns = 0;
    const privacy = this.privacy.callerTurn({ text: r.transcript });
    if (this.transcriptionReports) this.call.emit({ type: 'transcription', turn: this.turnNo + 1, transcript: r.transcript, confidence: r.confidence, alternatives: r.alternatives, privacy });
    await this.runTurn(
      { text: r.matchedPhrase ?? r.transcript },
      { trigger, endpointingMs, sttMs, state: { sttResponse: sttResponseOf(r), isDtmf: false }, privacy },
    );
  }

  // ---- DTMF -----------------------------------------------------------------------------------

  private onDtmf(digit: string): void {
    if (this.ended || this.dtmfPaused) return;
    this.clearNoInput();
    if (this.call.media.playing) {
      if (!this.dtmfBargeIn && !this.collection) return;
      this.call.media.stopPlayback();
      this.bargeInOccurred = true;
    }
    const c = this.collection;
    if (c) {
      if (c.termKey && digit === c.termKey) {
        this.endCollection(c.digits.length >= c.min);
        return;
      }
      c.digits += digit;
      if (c.digits.length >= c.max) {
        this.endCollection(true);
        return;
      }
      this.armCollectionTimer(c.interDigitMs);
      return;
    }
    if (this.busy) return;
    this.noInputTurns = 0;
    void this.runTurn({ dtmf: digit }, { state: { isDtmf: true }, privacy: this.privacy.callerTurn({ dtmf: digit }) });
  }

  private armCollectionTimer(ms: number): void {
    const c = this.collection;
    if (!c) return;
    clearTimeout(c.timer);
    c.timer = setTimeout(() => this.endCollection(!!c.digits && c.digits.length >= c.min && !c.termKey), ms);
  }

  private endCollection(ok: boolean): void {
    const c = this.collection;
    if (!c) return;
    clearTimeout(c.timer);
    this.collection = undefined;
    this.noInputTurns = 0;
    if (!c.digits && !ok) {
      void this.noInputTurn(SPECIAL_INPUTS.postResponseTimeout);
      return;
    }
    void this.runTurn({ dtmf: c.digits }, { state: { isDtmf: true, dtmfCollectionSucceeded: ok }, privacy: this.privacy.callerTurn({ dtmf: c.digits }) });
  }

  // ---- transfer -------------------------------------------------------------------------------

  private async transfer(a: ActionOf<'vgwActTransfer'>): Promise<boolean> {
    const p = a.parameters;
    const target = p.transferTarget ?? this.settings.vgwTransferTarget;
    if (!target) return this.transferFailed('no transfer target');
    const headers: [string, string][] = (p.transferHeaders ?? []).map((h) => [h.name, h.value]);
    if (p.uuiData) headers.push(['User-to-User', `${p.uuiData};encoding=hex`]);
    this.call.emit({ type: 'transfer.started', target, method: p.transferMethod ?? 'REFER' });
    if (p.transferMethod === 'HANGUP') {
      headers.push([p.transferTargetHeader ?? 'Transfer-Target', `<${target}>`]);
      await this.call.session.bye('local-bye', headers);
      this.call.emit({ type: 'transfer.completed', target, method: 'HANGUP' });
      return false;
    }
    const contact = this.call.session.dialog?.localHeader ?? '';
    const referredBy = /<[^>]+>/.exec(contact)?.[0] ?? contact;
    const outcome = await new Promise<{ ok: boolean; reason: string }>((resolve) => {
      let settled = false;
      const done = (r: { ok: boolean; reason: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.call.session.off('info', onNotify);
        resolve(r);
      };
      const onNotify = (req: import('../sip/message.js').SipRequest) => {
        if (req.method !== 'NOTIFY' || !/refer/i.test(req.headers.get('Event') ?? '')) return;
        const m = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/m.exec(req.body.toString('utf8'));
        if (!m) return;
        const code = Number(m[1]);
        if (code < 200) return;
        if (code < 300 || p.acceptTransferRejectCodes?.includes(code)) done({ ok: true, reason: `${code}` });
        else done({ ok: false, reason: `${code} ${m[2]}`.trim() });
      };
      const timer = setTimeout(() => done({ ok: false, reason: 'transfer timed out' }), 30_000);
      this.call.session.on('info', onNotify);
      void this.call.session.sendInDialog('REFER', { headers: [['Refer-To', `<${target}>`], ['Referred-By', referredBy], ...headers] }).then((res) => {
        if (!res) done({ ok: false, reason: 'REFER timed out' });
        else if (res.status >= 300 && !p.acceptTransferRejectCodes?.includes(res.status)) done({ ok: false, reason: `REFER refused: ${res.status}` });
      });
    });
    if (this.ended) return false;
    if (outcome.ok) {
      this.call.emit({ type: 'transfer.completed', target, method: 'REFER', result: outcome.reason });
      this.call.info.endReason = 'local-bye';
      await this.call.session.bye('local-bye');
      return false;
    }
    return this.transferFailed(outcome.reason, target);
  }

  private async transferFailed(reason: string, target?: string): Promise<boolean> {
    this.call.emit({ type: 'transfer.failed', target, reason });
    this.log.info({ reason: reason.replace(/sips?:\S+/g, '[URI]') }, 'transfer failed');
    await this.speak(this.settings.vgwTransferFailedMessage ?? DEFAULT_TRANSFER_FAILED_MESSAGE, performance.now(), undefined);
    if (this.settings.vgwDisconnectCallOnTransferFailure) {
      await this.call.hangup('local-bye');
      return false;
    }
    setImmediate(() => void this.runTurn({ text: SPECIAL_INPUTS.callTransferFailed }, { state: { callTransferFailed: true, transferReason: reason } }));
    return false;
  }

  // ---- end ------------------------------------------------------------------------------------

  private async onCallEnded(reason: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.clearNoInput();
    if (this.collection) clearTimeout(this.collection.timer);
    this.call.media.stopPlayback();
    this.playbackDone?.();
    if (reason === 'remote-bye') {
      // Tell the dialog the caller hung up (IBM's vgwHangUp turn); its answer is not played.
      const state: GatewayTurnState = { ...this.baseState(), hangupReason: 'caller' };
      try {
        const target = this.dialogNow ?? { dialog: this.deps.dialog, remote: this.deps.remoteDialog };
        let context = gatewayContext(target.remote ? this.dialogContext : this.context, state);
        // The same privacy gate as every other turn: a remote dialog never gets raw caller data.
        if (target.remote) context = (applyPolicy('dialog', { context }, this.deps.policy, { vault: this.vault, detection: this.privacy.detection(), defaultCountry: this.deps.defaultCountry }).context as Record<string, unknown>) ?? {};
        await target.dialog.turn({ input: { text: SPECIAL_INPUTS.hangUp }, isFirstTurn: false, context }, AbortSignal.timeout(3000));
      } catch {
        // Best effort: the call is over either way.
      }
    }
    this.abort.abort();
    this.vault.clear();
    await this.deps.dialog.close?.();
    for (const d of this.callDialogs.values()) {
      const built = await d;
      await built?.dialog.close?.();
      built?.close();
    }
    for (const e of this.callStts.values()) await e.then((stt) => (stt === this.deps.stt ? undefined : stt.close()), () => undefined);
  }

  // ---- per-call engine and dialog changes (vgwActSet*Config) -----------------------------------

  /** The recogniser for this turn: the application's, or one built for credentials the dialog gave. */
  private sttForTurn(settings: Record<string, unknown>): Promise<Stt> {
    const credentials = settings['credentials'] as Record<string, unknown> | undefined;
    if (!credentials || !this.deps.overrides) return Promise.resolve(this.deps.stt);
    const key = JSON.stringify(credentials);
    let p = this.callStts.get(key);
    if (!p) {
      p = this.deps.overrides.stt(credentials).then((r) => {
        if (r.ok) return r.stt;
        this.log.warn({ error: r.error }, 'vgwActSetSTTConfig credentials refused; keeping the application recogniser');
        return this.deps.stt;
      });
      this.callStts.set(key, p);
    }
    return p;
  }

  /** The dialog for this turn: the application's unless `vgwActSetConversationConfig` named another. */
  private async dialogForTurn(): Promise<{ dialog: Dialog; remote: boolean }> {
    const app = { dialog: this.deps.dialog, remote: this.deps.remoteDialog };
    if (!this.dialogLayers.changed || !this.deps.overrides) return (this.dialogNow = app);
    const settings = this.dialogLayers.current();
    const key = JSON.stringify(settings);
    let p = this.callDialogs.get(key);
    if (!p) {
      p = this.deps.overrides.dialog(settings).then((r) => {
        if (r.ok) return r;
        this.log.warn({ error: r.error }, 'vgwActSetConversationConfig refused; keeping the application dialog');
        return undefined;
      });
      this.callDialogs.set(key, p);
    }
    return (this.dialogNow = (await p) ?? app);
  }
}

function restoreDeep(v: unknown, vault: TokenVault): Record<string, unknown> {
  const walk = (x: unknown, depth: number): unknown => {
    if (typeof x === 'string') return vault.restore(x);
    if (depth > 8 || x === null || typeof x !== 'object') return x;
    if (Array.isArray(x)) return x.map((y) => walk(y, depth + 1));
    return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y, depth + 1)]));
  };
  return (walk(v, 0) as Record<string, unknown>) ?? {};
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * `vgwSTTResponse` in the shape Watson Speech to Text returned and IBM Voice Gateway passed on
 * (docs/dialog-contract.md), so SOEs written for it read the same fields. The best alternative
 * carries the result's confidence when the engine gave none per alternative.
 */
function sttResponseOf(r: SttResult): SttResponse {
  const alternatives = (r.alternatives.length ? r.alternatives : [{ transcript: r.transcript }]).map((a, i) => {
    const confidence = a.confidence ?? (i === 0 ? r.confidence : undefined);
    return confidence === undefined ? { transcript: a.transcript } : { transcript: a.transcript, confidence };
  });
  return { result_index: 0, results: [{ final: true, alternatives }] };
}
