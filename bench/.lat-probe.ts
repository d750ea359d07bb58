import { PocketSphinxStt } from '../src/speech/pocketsphinx/stt.js';
import { FliteTts } from '../src/speech/flite/tts.js';
import { EspeakTts } from '../src/speech/flite/espeak.js';
import { upsample8kTo16k } from '../src/speech/audio/resample.js';
import { GrammarCache } from '../src/speech/pocketsphinx/jsgf.js';
import { loadDictionaryWords } from '../src/speech/pocketsphinx/dictionary.js';
const r = await PocketSphinxStt.create({ poolSize: 1 });
if (!r.ok) throw new Error(r.error);
const s: any = r.stt;
const tts = new FliteTts({ voice: 'slt' });
async function pcm(t: string, voice = 'slt') { const cs: Int16Array[] = []; for await (const c of tts.synthesize({ text: t, voice })) cs.push(c); const o = new Int16Array(cs.reduce((n, c) => n + c.length, 0)); let k = 0; for (const c of cs) { o.set(c, k); k += c.length; } return o; }
const phrases = ['account balance', 'check my balance', 'pay my card', 'speak to an agent', 'goodbye', 'yes', 'yes please', 'no'];
const dict = await loadDictionaryWords(s.model.dict);
const g = new GrammarCache().get(phrases, dict);
if (!g.ok) throw new Error('g');
for (const voice of ['slt', 'kal', 'awb'])
for (const t of ['good', 'yes', 'no', 'four one one one', 'my card number is four one', 'hello there', 'i lost my wallet', 'check my balance', 'speak to an agent', 'account balance please', 'pay my card', 'goodbye']) {
  const a = await pcm(t, voice);
  const o = await s.pool.decode({ audio16k: upsample8kTo16k(a), nbest: 1, grammar: { name: g.grammar.name, jsgf: g.grammar.jsgf } });
  const lm = await s.pool.decode({ audio16k: upsample8kTo16k(a), nbest: 1 });
  if (o.ok) console.log(voice, JSON.stringify(t).padEnd(30), '->', JSON.stringify(o.reply.hyp).padEnd(22), (o.reply.score / o.reply.frames).toFixed(0), 'lm', (lm.reply.score / lm.reply.frames).toFixed(0), JSON.stringify(lm.reply.hyp));
}
await r.stt.close(); await tts.close();
