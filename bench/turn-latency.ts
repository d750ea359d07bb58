/**
 * bench/turn-latency: end of caller speech → first audio of the reply, split into endpointing
 * (the silence hangover), STT, dialog, TTS (first chunk) and gateway overhead, for a TTS cache
 * miss (cache off) and a hit (cache on, same reply), over real SIP/RTP on loopback with the
 * embedded engines (flite speaks for the caller; PocketSphinx with the flow's grammar recognises).
 *
 *   gateway overhead = total − endpointing − STT − dialog − TTS first chunk
 *   The reply's first RTP packet leaves on the next 20 ms scheduler tick after its first chunk.
 *
 * Usage: node --import tsx bench/turn-latency.ts [--turns 10]
 */
import { join, resolve } from 'node:path';
import { report, percentile, arg } from './lib/report.js';
import { startInProcessGateway } from '../test/helpers/in-process-gateway.js';
import { freeUdpRange } from '../test/helpers/ports.js';
import { Softphone, type PhoneCall } from '../src/softphone/softphone.js';
import { FliteTts } from '../src/speech/flite/tts.js';

const REPO = resolve(import.meta.dirname, '..');
const FLOW = join(REPO, 'test/call/fixtures/test-flow.yaml');
const turns = arg('turns', 10);

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

async function run(number: string) {
  const call: PhoneCall = await phone.dial(`sip:${number}@127.0.0.1:${gw.sipPort}`);
  await call.nextUtterance();
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < turns; i++) {
    const before = gw.events.length;
    await call.play({ kind: 'pcm', samples: phrase });
    await call.nextUtterance();
    const t = gw.events.slice(before).find((e) => e.type === 'turn.completed' && e.callId === call.session.callId && e.sttMs !== undefined);
    if (t && t.type === 'turn.completed' && t.totalToFirstAudioMs !== undefined) {
      const overhead = t.totalToFirstAudioMs - (t.endpointingMs ?? 0) - (t.sttMs ?? 0) - (t.dialogMs ?? 0) - (t.ttsFirstAudioMs ?? 0);
      rows.push({ endpointingMs: t.endpointingMs ?? 0, sttMs: t.sttMs ?? 0, dialogMs: t.dialogMs ?? 0, ttsFirstAudioMs: t.ttsFirstAudioMs ?? 0, totalMs: t.totalToFirstAudioMs, overheadMs: overhead });
    }
  }
  await call.hangup();
  const stat = (k: string) => {
    const s = rows.map((r) => r[k]!).sort((a, b) => a - b);
    return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] };
  };
  return { turns: rows.length, endpointing: stat('endpointingMs'), stt: stat('sttMs'), dialog: stat('dialogMs'), ttsFirstAudio: stat('ttsFirstAudioMs'), total: stat('totalMs'), gatewayOverhead: stat('overheadMs') };
}

const miss = await run('miss');
const hit = await run('hit');
const fixed = await run('fixed');
await phone.close();
await gw.stop();
await tts.close();
report('turn-latency', { cacheMiss: miss, cacheHit: hit, fixedHangoverCacheMiss: fixed, targets: { gatewayOverheadP99Ms: 10, cacheHitFirstAudioAfterDialogMs: 20, embeddedTotalP50Ms: 350, embeddedTotalP95Ms: 500 } },
  'Milliseconds. cacheMiss/cacheHit use adaptive endpointing (the default: a complete grammar phrase ends the turn after a 240 ms hangover); fixedHangoverCacheMiss waits for the fixed 800 ms hangover on every turn. Endpointing is caller stopped -> utterance handed over (500 ms hangover on the caller side). On a cache hit, "ttsFirstAudio" is the time from the dialog answer to the first cached chunk.');
