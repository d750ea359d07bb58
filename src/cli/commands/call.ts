/**
 * `hushgate call <sip-uri>`: a softphone for demos and end-to-end checks. It dials, waits for the
 * agent to finish speaking, then runs its steps in order — `say:<text>` (spoken with the
 * embedded TTS), `play:<file.wav>`, `dtmf:<digits>`, `wait:<ms>` — printing what the agent said
 * (recognised with the embedded STT) and the call's events, and hangs up at the end.
 *
 *   hushgate call sip:1000@127.0.0.1:5060 --step "say:what is my balance" --step "dtmf:9"
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { Softphone, type PhoneCall } from '../../softphone/index.js';
import { FliteTts } from '../../speech/index.js';
import { PocketSphinxStt } from '../../speech/index.js';
import type { Stt } from '../../speech/index.js';
import type { Utterance } from '../../media/index.js';

interface CallOptions {
  step: string[];
  expect?: string[];
  transport: 'udp' | 'tcp';
  timeout: string;
  json?: boolean;
}

export function registerCallCommand(program: Command): void {
  program
    .command('call <uri>')
    .description('dial a SIP URI, speak/play/key the given steps, print what the agent says, hang up')
    .option('-s, --step <step>', 'say:<text> | play:<file.wav> | dtmf:<digits> | wait:<ms> (repeatable, run in order)', collect, [])
    .option('-e, --expect <phrase>', 'phrases the agent may say: recognise against them (much more accurate than the open vocabulary)', collect)
    .option('-t, --transport <udp|tcp>', 'SIP transport', 'udp')
    .option('--timeout <seconds>', 'longest wait for the agent to speak', '20')
    .option('--json', 'print JSON lines instead of text')
    .action(async (uri: string, o: CallOptions) => {
      const code = await runCall(uri, o);
      process.exit(code);
    });
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

async function runCall(uri: string, o: CallOptions): Promise<number> {
  const out = (kind: string, data: Record<string, unknown>) =>
    process.stdout.write(o.json ? JSON.stringify({ kind, ...data }) + '\n' : `${kind}: ${Object.values(data).join(' ')}\n`);
  const sttR = await PocketSphinxStt.create({ poolSize: 1 });
  if (!sttR.ok) {
    process.stderr.write(`hushgate call: speech recognition unavailable: ${sttR.error}\n`);
    return 1;
  }
  const stt: Stt = sttR.stt;
  const tts = new FliteTts({ voice: 'slt' });
  const phone = await Softphone.create({ transport: o.transport, rtpPortMin: 40000, rtpPortMax: 49999, endpointer: { silenceHangoverMs: 700 } });
  const timeoutMs = Number(o.timeout) * 1000;
  let call: PhoneCall;
  try {
    const target = o.transport === 'tcp' && !/transport=/.test(uri) ? `${uri};transport=tcp` : uri;
    call = await phone.dial(target);
  } catch (err) {
    process.stderr.write(`hushgate call: ${(err as Error).message}\n`);
    await phone.close();
    await stt.close();
    return 1;
  }
  out('event', { answered: uri });
  call.on('ended', (reason) => out('event', { ended: reason }));
  call.on('transferred', () => out('event', { transferred: 'REFER followed' }));
  const recognise = async (u: Utterance): Promise<string> => {
    const s = stt.startTurn(o.expect?.length ? { grammar: { phrases: o.expect } } : {});
    for (let i = 0; i + 160 <= u.audio.length; i += 160) s.push(u.audio.subarray(i, i + 160));
    s.end();
    const r = await s.result;
    return r.ok ? r.result.transcript : '';
  };
  const agentTurn = async () => {
    try {
      const u = await call.nextUtterance(timeoutMs);
      out('agent', { said: (await recognise(u)) || '(not recognised)' });
    } catch {
      out('event', { silence: `no agent speech within ${o.timeout} s` });
    }
  };
  await agentTurn();
  for (const step of o.step) {
    if (call.ended) break;
    const [kind, ...rest] = step.split(':');
    const arg = rest.join(':');
    switch (kind) {
      case 'say': {
        const chunks: Int16Array[] = [];
        for await (const c of tts.synthesize({ text: arg })) chunks.push(c);
        const pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 4000);
        let off = 0;
        for (const c of chunks) (pcm.set(c, off), (off += c.length));
        out('caller', { said: arg });
        await call.play({ kind: 'pcm', samples: pcm });
        await agentTurn();
        break;
      }
      case 'play':
        out('caller', { played: arg });
        await call.play({ kind: 'wav', bytes: readFileSync(arg) });
        await agentTurn();
        break;
      case 'dtmf':
        out('caller', { dtmf: arg });
        await call.sendDigits(arg);
        await agentTurn();
        break;
      case 'wait':
        await new Promise((r) => setTimeout(r, Number(arg)));
        break;
      default:
        process.stderr.write(`hushgate call: unknown step "${step}" (say:, play:, dtmf:, wait:)\n`);
    }
  }
  if (!call.ended) {
    await call.hangup();
    out('event', { ended: 'local-bye' });
  }
  await phone.close();
  await stt.close();
  await tts.close();
  return 0;
}
