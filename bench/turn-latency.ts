/**
 * bench/turn-latency: end of caller speech → first audio of the reply, split into endpointing
 * (the silence hangover), STT, dialog, TTS (first chunk) and gateway overhead, for a TTS cache
 * miss (cache off) and a hit (cache on, same reply), over real SIP/RTP on loopback with the
 * embedded engines (flite speaks for the caller; PocketSphinx with the flow's grammar recognises).
 *
 *   total (gateway's Clock): the caller's last speech frame as the gateway's endpointer saw it →
 *     the reply's first chunk handed to the player
 *   sttOnPath = total − endpointing − dialog − TTS first chunk: what the turn waited for STT (≈ 0
 *     when the turn ended early: the decode made at the pause, `pauseDecode`, ran in the hangover)
 *   gateway overhead = sttOnPath for a turn that ended early, else sttOnPath − STT
 *   callerHeard (the caller's side of the real call): the caller's last speech frame sent → the
 *     reply's first RTP packet received; beyond `total` it holds the gateway's jitter buffer, the
 *     VAD's view of the speech end and the wait for the next 20 ms scheduler tick (`outsideTurnTiming`)
 *
 * streamingLlm: the `openai` dialog against a local server streaming OpenAI chat-completion chunks
 * at a model's pace (first token 300 ms after the request, then 40 tokens/s); per turn, the first
 * reply audio against the first token and the first clause's arrival (target: first audio ≤ first
 * token + first clause + 100 ms). Its STT is the embedded recogniser without a grammar.
 *
 * Usage: node --import tsx bench/turn-latency.ts [--turns 10]
 */
import { join, resolve } from 'node:path';
import { report, percentile, arg } from './lib/report.js';
import { startInProcessGateway } from '../test/helpers/in-process-gateway.js';
import { freeUdpRange } from '../test/helpers/ports.js';
import { Softphone, type PhoneCall } from '../src/softphone/softphone.js';
import { FliteTts } from '../src/speech/flite/tts.js';
import { startRecordingServer } from '../test/helpers/recording-server.js';
import { chatStreamReply, tokens } from '../test/helpers/chat-stream-reply.js';

const REPO = resolve(import.meta.dirname, '..');
const FLOW = join(REPO, 'test/call/fixtures/test-flow.yaml');
const turns = arg('turns', 10);
const FIRST_TOKEN_MS = 300;
/** The endpointer's fixed hangover (a turn that ended sooner ended early, at a judged pause). */
const FIXED_HANGOVER_MS = 800;
const TOKENS_PER_SECOND = 40;
const REPLY = 'Your balance is one hundred and twenty pounds, and your last payment went out on Monday. Is there anything else I can help you with today?';
const FIRST_CLAUSE = 'Your balance is one hundred and twenty pounds,';
/** Model-side times of each streamed reply (Date.now()): request in, first token out. */
const llmTimes: { request: number; firstToken?: number; clauseSent?: number }[] = [];
/** Index of the first clause's last token (its comma) in the streamed reply. */
const CLAUSE_END_TOKEN = tokens(FIRST_CLAUSE).length - 1;
const llm = await startRecordingServer(() => {
  const t: (typeof llmTimes)[number] = { request: Date.now() };
  llmTimes.push(t);
  return chatStreamReply({ text: REPLY, firstTokenMs: FIRST_TOKEN_MS, tokensPerSecond: TOKENS_PER_SECOND, onToken: (i) => {
    if (i === 0) t.firstToken = Date.now();
    if (i === CLAUSE_END_TOKEN) t.clauseSent = Date.now();
  } });
});

const gw = await startInProcessGateway({
  log: { level: 'warn' },
  accounts: [
    {
      id: 'bench',
      applications: [
        { id: 'miss', numbers: ['miss'], mode: 'agent', dialog: { provider: 'local', flow: FLOW }, speech: { ttsCache: { enabled: false } } },
        { id: 'hit', numbers: ['hit'], mode: 'agent', dialog: { provider: 'local', flow: FLOW } },
        // The pre-issue-17 behaviour for comparison: every turn waits for the fixed 800 ms hangover.
        { id: 'fixed', numbers: ['fixed'], mode: 'agent', dialog: { provider: 'local', flow: FLOW }, speech: { ttsCache: { enabled: false }, endpointing: { adaptive: false } } },
        { id: 'stream', numbers: ['stream'], mode: 'agent', dialog: { provider: 'openai', baseUrl: llm.url, model: 'bench', allowInsecure: true, systemPrompt: 'You are a bank agent.', greeting: 'Hello, how can I help?' }, speech: { ttsCache: { enabled: false } } },
      ],
    },
  ],
});
const base = await freeUdpRange(20);
const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 19, endpointer: { silenceHangoverMs: 500 } });
const tts = new FliteTts({ voice: 'slt' });
const chunks: Int16Array[] = [];
for await (const c of tts.synthesize({ text: 'check my balance' })) chunks.push(c);
const phrase = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000);
let off = 0;
for (const c of chunks) (phrase.set(c, off), (off += c.length));
/** 20 ms frames of the phrase up to its last one with speech in it (rms above −40 dBFS). */
const speechFrames = (() => {
  let last = 0;
  for (let f = 0; (f + 1) * 160 <= phrase.length; f++) {
    let e = 0;
    for (let i = f * 160; i < (f + 1) * 160; i++) e += phrase[i]! * phrase[i]!;
    if (Math.sqrt(e / 160) > 328) last = f + 1;
  }
  return last;
})();
/** RTP arrival times are Unix ms read off the monotonic clock; the phone's send deadlines are performance.now(). */
const wallOffset = Date.now() - performance.now();

/** The caller says the phrase; resolves with when its last speech frame was sent (performance.now()). */
async function say(call: PhoneCall): Promise<number> {
  let sent = 0;
  let speechEnd = NaN;
  const onSent = (_f: Int16Array, deadline: number) => void (++sent === speechFrames && (speechEnd = deadline + 20));
  call.audio.on('sent', onSent);
  await call.play({ kind: 'pcm', samples: phrase });
  call.audio.off('sent', onSent);
  return speechEnd;
}

/** The caller's last speech frame sent → the first reply packet received after it (ms). */
function callerHeard(call: PhoneCall, speechEnd: number): number | undefined {
  const first = call.received.find((p) => p.arrivalMs - wallOffset > speechEnd);
  return first ? Math.round(first.arrivalMs - wallOffset - speechEnd) : undefined;
}

async function run(number: string) {
  const call: PhoneCall = await phone.dial(`sip:${number}@127.0.0.1:${gw.sipPort}`);
  await call.nextUtterance();
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < turns; i++) {
    const before = gw.events.length;
    const speechEnd = await say(call);
    await call.nextUtterance();
    const t = gw.events.slice(before).find((e) => e.type === 'turn.completed' && e.callId === call.session.callId && e.sttMs !== undefined);
    const heard = callerHeard(call, speechEnd);
    if (t && t.type === 'turn.completed' && t.totalToFirstAudioMs !== undefined && heard !== undefined) {
      const endedEarly = (t.endpointingMs ?? 0) < FIXED_HANGOVER_MS - 100;
      const sttOnPath = t.totalToFirstAudioMs - (t.endpointingMs ?? 0) - (t.dialogMs ?? 0) - (t.ttsFirstAudioMs ?? 0);
      const overhead = endedEarly ? sttOnPath : sttOnPath - (t.sttMs ?? 0);
      rows.push({ endpointingMs: t.endpointingMs ?? 0, sttMs: t.sttMs ?? 0, sttOnPathMs: Math.max(0, endedEarly ? sttOnPath : t.sttMs ?? 0), dialogMs: t.dialogMs ?? 0, ttsFirstAudioMs: t.ttsFirstAudioMs ?? 0, totalMs: t.totalToFirstAudioMs, overheadMs: overhead, callerHeardMs: heard, outsideMs: heard - t.totalToFirstAudioMs });
    }
  }
  await call.hangup();
  const stat = (k: string) => {
    const s = rows.map((r) => r[k]!).sort((a, b) => a - b);
    return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] };
  };
  return {
    turns: rows.length, endpointing: stat('endpointingMs'), stt: stat('sttMs'), dialog: stat('dialogMs'), ttsFirstAudio: stat('ttsFirstAudioMs'), total: stat('totalMs'), gatewayOverhead: stat('overheadMs'),
    // per stage, beside the keys above: the decode at the pause (off the path when the turn ended early) and what the turn waited for STT
    stages: { endpointingHangover: stat('endpointingMs'), pauseDecode: stat('sttMs'), sttOnPath: stat('sttOnPathMs'), dialog: stat('dialogMs'), ttsFirstPiece: stat('ttsFirstAudioMs'), outsideTurnTiming: stat('outsideMs') },
    callerHeard: stat('callerHeardMs'),
  };
}

/**
 * The streaming-LLM case: per turn, from the gateway's turn.completed (its Clock timeline) the time
 * from end of speech to first audio, and the dialog's share up to the first piece; the model's
 * first token relative to the request from the server. firstClauseMs is the model's time to
 * stream the first clause after the first token (fixed by the pace).
 */
async function runStreaming() {
  const firstClauseMs = Math.round(((tokens(FIRST_CLAUSE).length - 1) * 1000) / TOKENS_PER_SECOND);
  const call: PhoneCall = await phone.dial(`sip:stream@127.0.0.1:${gw.sipPort}`);
  await call.nextUtterance();
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < turns; i++) {
    const before = gw.events.length;
    const speechEnd = await say(call);
    await call.nextUtterance(30_000);
    const t = gw.events.slice(before).find((e) => e.type === 'turn.completed' && e.callId === call.session.callId && e.sttMs !== undefined);
    const heard = callerHeard(call, speechEnd);
    if (!t || t.type !== 'turn.completed' || t.totalToFirstAudioMs === undefined || t.error || heard === undefined) continue;
    // On the model's real timeline (its timers run late on a loaded machine): the first clause's last
    // token written → the reply's first RTP packet at the caller (both Unix ms).
    const model = llmTimes.at(-1)!;
    const firstPacket = speechEnd + wallOffset + heard;
    const afterStt = t.totalToFirstAudioMs - (t.endpointingMs ?? 0) - (t.sttMs ?? 0);
    rows.push({
      endpointingMs: t.endpointingMs ?? 0, sttMs: t.sttMs ?? 0, dialogFirstPieceMs: t.dialogMs ?? 0, ttsFirstAudioMs: t.ttsFirstAudioMs ?? 0, totalMs: t.totalToFirstAudioMs,
      // request sent → first reply audio, against the budget first token + first clause + 100 ms
      requestToFirstAudioMs: afterStt,
      budgetMs: FIRST_TOKEN_MS + firstClauseMs + 100,
      overBudgetMs: afterStt - (FIRST_TOKEN_MS + firstClauseMs),
      // the first piece's synthesis and the cut: what of the overrun is TTS, what is waiting for the piece
      pieceWaitMs: (t.dialogMs ?? 0) - (FIRST_TOKEN_MS + firstClauseMs),
      callerHeardMs: heard,
      clauseSentToHeardMs: model.clauseSent ? Math.round(firstPacket - model.clauseSent) : NaN,
      modelLateMs: model.clauseSent ? model.clauseSent - model.request - (FIRST_TOKEN_MS + firstClauseMs) : NaN,
    });
  }
  await call.hangup();
  const stat = (k: string) => {
    const s = rows.map((r) => r[k]!).sort((a, b) => a - b);
    return { p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] };
  };
  const firstTokenMs = llmTimes.filter((t) => t.firstToken).map((t) => t.firstToken! - t.request).sort((a, b) => a - b);
  return {
    turns: rows.length, pace: { firstTokenMs: FIRST_TOKEN_MS, tokensPerSecond: TOKENS_PER_SECOND, firstClauseMs, firstClause: FIRST_CLAUSE },
    serverFirstTokenMs: { p50: percentile(firstTokenMs, 50) },
    endpointing: stat('endpointingMs'), stt: stat('sttMs'), dialogToFirstPiece: stat('dialogFirstPieceMs'), ttsFirstAudio: stat('ttsFirstAudioMs'),
    requestToFirstAudio: stat('requestToFirstAudioMs'), firstAudioAfterFirstTokenPlusClause: stat('overBudgetMs'), total: stat('totalMs'),
    // the overrun per stage: first piece cut after the clause's last token arrived, its synthesis to the first chunk
    overrunStages: { pieceCutAfterClause: stat('pieceWaitMs'), ttsFirstPiece: stat('ttsFirstAudioMs'), modelPaceLate: stat('modelLateMs') },
    // the target on the model's real timeline, heard at the caller: first clause's last token written → first reply packet received
    firstAudioHeardAfterClauseSent: stat('clauseSentToHeardMs'),
    callerHeard: stat('callerHeardMs'),
    wholeReplyStreamMs: Math.round(FIRST_TOKEN_MS + ((tokens(REPLY).length - 1) * 1000) / TOKENS_PER_SECOND),
  };
}

const miss = await run('miss');
const hit = await run('hit');
const fixed = await run('fixed');
const streamingLlm = await runStreaming();
await phone.close();
await llm.close();
await gw.stop();
await tts.close();
report('turn-latency', { cacheMiss: miss, cacheHit: hit, fixedHangoverCacheMiss: fixed, streamingLlm, targets: { gatewayOverheadP99Ms: 10, cacheHitFirstAudioAfterDialogMs: 20, embeddedTotalP50Ms: 350, embeddedTotalP95Ms: 500, streamingFirstAudioOverFirstTokenPlusClauseMs: 100 } },
  'Milliseconds. cacheMiss/cacheHit use adaptive endpointing (the default: a complete grammar phrase ends the turn after a 240 ms hangover); fixedHangoverCacheMiss waits for the fixed 800 ms hangover on every turn. Endpointing is caller stopped -> utterance handed over (500 ms hangover on the caller side). On a cache hit, "ttsFirstAudio" is the time from the dialog answer to the first cached chunk. streamingLlm: requestToFirstAudio = first reply audio after the STT result (the request to the model), firstAudioAfterFirstTokenPlusClause = that minus (first token + first clause), target <= 100; dialogToFirstPiece = request -> first speakable piece.');
