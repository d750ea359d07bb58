/**
 * The canary test (issue 13): real calls to the BUILT gateway (`dist/cli/main.js start`) carrying
 * distinct PII values ("canaries"), then every byte the gateway wrote or sent is searched for them.
 *
 * Set-up, all real parts on loopback:
 * - one `agent` application under the DEFAULT privacy policy, caller `+447700900123` (From);
 * - its dialog is an external SOE (IBM contract, `dialog.provider: webhook`, signed requests): our
 *   HTTP server records every request body and answers by echoing the caller's input back ("You
 *   said …, <next question>"), so tokens are restored and spoken and the TTS disk cache must refuse
 *   those answers; like real SOEs it keeps the input in its context and the CDR's custom data;
 * - STT is a local OpenAI-compatible server returning the transcript this test chose for each
 *   utterance. The phone speaks real audio (flite, RTP), so endpointing is real; the words come from
 *   the script. Calls run side by side: the dialog tags each call's recognitions through
 *   `vgwActSetSTTConfig` (`config.prompt`, sent to the STT server as the Whisper prompt);
 * - training capture on; forwarding to a signed webhook sink (down with 503 during the calls, so the
 *   events wait sealed in the outbox) and to CouchDB (`pouchdb-server`); the TTS disk cache on; the
 *   gateway's stdout/stderr captured; its TMPDIR its own.
 *
 * Searched: the data directory (region store and outbox with -wal/-shm, keys directory), the TTS cache
 * directory, the gateway's TMPDIR, its logs, every body the webhook sink, CouchDB (`_all_docs`,
 * `_changes`), the dialog and the STT server received, and the decrypted training export.
 * Then `POST /v1/erasures` for the caller: the receipt, CouchDB emptied of their documents, a signed
 * erasure notice at the webhook, and their pseudonym and sealed bytes gone from every file.
 *
 * Found and fixed: the SOE's context came back to it restored and was detected again out of the turn
 * that named the value (src/call/agent-session.ts, dialog-context.test.ts); canary 12b, a date of
 * birth in words with the year first, kept its year (the date detector).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startGateway, REPO, type RunningGateway } from '../helpers/gateway-process.js';
import { freeUdpRange } from '../helpers/ports.js';
import { startRecordingServer, type RecordingServer, type RecordedRequest } from '../helpers/recording-server.js';
import { describeLeaks, digitsForm, filesUnder, findLeaks, findLeaksInDir, type Canary, type Leak } from '../helpers/leak-scan.js';
import { startPouchServer, type PouchServer } from '../events/helpers.js';
import { OpenAiServer } from '../speech/servers/openai-server.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { ttsCacheKey } from '../../src/speech/tts-cache.js';
import { verifySignature } from '../../src/dialog/signature.js';
import { verifyWebhookSignature } from '../../src/events/webhook-signature.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

const CALLER = '+447700900123';
const ACCOUNT = 'bank';
const APP = 'canary';
const DIALOG_SECRET = 'soe-signing-secret-0123456789';
const HOOK_SECRET = 'whsec-canary-0123456789abcdef0123456789';
const STT_KEY = 'stt-key-canary';
const DB = 'canary_events';

// ---- the canaries -------------------------------------------------------------------------------

const CARD_ORDER = '4929381204755809'; // Luhn-valid, after a non-PII cue ("order number")
const CARD_DTMF = '5425233430109903'; // keyed one key per turn
const CARD_HESITANT = '4556737586899855'; // spoken with "uh", "um"

/** Each canary: the byte strings that must never appear (strings case-insensitive). */
const CANARIES: Canary[] = [
  { id: '1 card after "order number"', forms: [digitsForm(CARD_ORDER)] },
  { id: '2 national phone', forms: [digitsForm('2079460371')] },
  // the caller's own number: E.164, international without +, national 0 7700 900123, any separators
  { id: '3 caller number', forms: [digitsForm('7700900123')] },
  { id: '4 spelled e-mail', forms: ['m i r a', 'h o l t', 'miraholt', 'mira.holt', 'mira dot holt', 'mira@', 'holt@'] },
  { id: '5 DTMF card', forms: [digitsForm(CARD_DTMF)] },
  { id: '6 hesitant card', forms: [digitsForm(CARD_HESITANT), 'four five five six', 'seven three seven five', 'eight six eight nine', 'nine eight five five', 'six uh seven', 'five um eight'] },
  { id: '7 security code described', forms: ['9 1 4', 'nine one four', 'back are 914'] },
  { id: '8 SSN', forms: [digitsForm('287654321')] },
  { id: '9 IBAN', forms: [digitsForm('12345698765432'), 'GB82 WEST', 'GB82WEST', 'WEST 1234', 'WEST1234'] },
  { id: '10 unexplained reference', forms: [digitsForm('884421907')] },
  { id: '11 account split over two turns', forms: [digitsForm('63057281'), '6 3 0 5', '7 2 8 1'] },
  { id: '12 date of birth', forms: [/27[^0-9A-Za-z]{0,3}11[^0-9A-Za-z]{0,3}1964/, digitsForm('27111964')] },
  // beyond the brief's list: a date of birth as people say it, year first, in words
  { id: '12b date of birth in words', forms: ['nineteen fifty eight', 'third of march', /born[^0-9A-Za-z]{1,3}(in[^0-9A-Za-z]{1,3})?1958/] },
];

// ---- the calls ----------------------------------------------------------------------------------

interface Step {
  /** What the STT server says the caller said. */
  said: string;
  /** The dialog's next question, after echoing `said`. */
  ask: string;
}
interface SpokenScript {
  greeting: string;
  steps: Step[];
}

/**
 * Spoken calls, by the user part they dial (the dialog reads it from `vgwSIPRequestURI`). The
 * questions name nothing (no expectation helps the detector), except where the canary is the answer
 * to one (the account number dictated in two pieces).
 */
const SPOKEN: Record<string, SpokenScript> = {
  'canary-a': {
    greeting: 'Hello, you are through to the order line, what is it about?',
    steps: [
      { said: 'order number 4929 3812 0475 5809', ask: 'anything else?' },
      { said: 'call me on 020 7946 0371', ask: 'what else?' },
      { said: "no it's 447700900123", ask: 'anything else?' },
    ],
  },
  'canary-b': {
    greeting: 'Hello, what is your e-mail address?',
    steps: [
      { said: 'm i r a dot h o l t at example dot com', ask: 'what else?' },
      { said: 'four five five six uh seven three seven five um eight six eight nine nine eight five five', ask: 'what else?' },
      { said: 'the three digits on the back are 9 1 4', ask: 'anything else?' },
    ],
  },
  'canary-c': {
    greeting: 'Hello, how can I help you today?',
    steps: [
      { said: "that's 287-65-4321", ask: 'what else?' },
      { said: 'GB82 WEST 1234 5698 7654 32', ask: 'what else?' },
      { said: 'born 27/11/1964', ask: 'and your partner?' },
      { said: 'she was born in nineteen fifty eight on the third of march', ask: 'anything else?' },
    ],
  },
  'canary-d': {
    greeting: 'Hello, do you have a reference?',
    steps: [
      { said: 'the reference is 88442190 7', ask: 'and your account number?' },
      { said: 'my account number is 6 3 0 5', ask: 'go on' },
      { said: '7 2 8 1', ask: 'thank you' },
    ],
  },
};
const KEYS_LABEL = 'canary-keys';
const KEYS_GREETING = 'Please key your card number, one digit at a time, first digit?';
const keyEcho = (k: string) => `Got ${k}, next digit?`;
const echo = (s: Step) => `You said ${s.said}, ${s.ask}`;
/** Said by the dialog when a turn was not a caller's input (no-input timer): never caller data. */
const REASK = 'Sorry, I did not catch that, please say it again?';

// ---- the world ----------------------------------------------------------------------------------

/** Spoken turns over all calls (each one transcription event and one training record). */
const UTTERANCES = Object.values(SPOKEN).reduce((n, s) => n + s.steps.length, 0);

let gw: RunningGateway;
let pouch: PouchServer;
let dialog: RecordingServer;
let hook: RecordingServer;
let stt: OpenAiServer;
let phone: Softphone;
let ttsDir: string;
let token: string;
let hookDown = true;
const tts = new FliteTts({ voice: 'slt' });
/** What the STT server still has to return, per call tag. */
const transcripts = new Map<string, string[]>(Object.entries(SPOKEN).map(([k, s]) => [k, s.steps.map((x) => x.said)]));
const sttErrors: string[] = [];
/** Dialog requests per call tag, parsed, in order. */
const dialogTurns = new Map<string, { text: string; context: Record<string, unknown> }[]>();
const dialogErrors: string[] = [];
/** What the phone says each time ("yes please", flite): real speech for the endpointer; the STT server decides the words. */
let phrase: Int16Array;
/** Bodies the webhook sink refused with 503 while down (searched, but not counted as delivered). */
const hookDownBodies = new Set<RecordedRequest>();

const dataDir = () => join(gw.dir, 'data');

/** The SOE: verifies the signature, echoes the (gated) input back and asks the next question. */
function soe(req: RecordedRequest): { status: number; json?: unknown } {
  const v = verifySignature(DIALOG_SECRET, req.body, req.headers['x-hushgate-timestamp'] as string, req.headers['x-hushgate-signature'] as string, Date.now());
  if (!v.ok) return (dialogErrors.push(`bad signature: ${v.error}`), { status: 401 });
  const body = JSON.parse(req.body.toString('utf8')) as { input: { text: string }; context: Record<string, unknown> };
  const ctx = { ...body.context };
  const tag = /^sips?:([^@]+)@/.exec(String(ctx['vgwSIPRequestURI']))?.[1] ?? '';
  const text = body.input.text;
  const turns = dialogTurns.get(tag) ?? [];
  dialogTurns.set(tag, turns);
  turns.push({ text, context: ctx });
  const step = Number(ctx['canaryStep'] ?? 0);
  const answer = (t: string[], extra: Record<string, unknown> = {}) => ({ status: 200, json: { output: { text: t, ...extra }, context: ctx } });
  if (text === 'vgwHangUp') return answer([]);
  if (tag === KEYS_LABEL) {
    if (turns.length === 1) return (ctx['vgwPostResponseTimeoutCount'] = 60_000, ctx['canaryStep'] = 0, answer([KEYS_GREETING]));
    if (text.startsWith('vgw')) return answer([REASK]);
    ctx['lastSaid'] = text;
    return answer([keyEcho(text)]);
  }
  const script = SPOKEN[tag];
  if (!script) return (dialogErrors.push(`no script for call ${JSON.stringify(ctx['vgwSIPRequestURI'])}`), answer(['Sorry.']));
  if (turns.length === 1) {
    ctx['vgwPostResponseTimeoutCount'] = 60_000;
    ctx['canaryStep'] = 0;
    // Tags this call's recognitions: the STT server reads the prompt and returns this call's next transcript.
    return answer([script.greeting], { vgwAction: { command: 'vgwActSetSTTConfig', parameters: { config: { prompt: tag } } } });
  }
  if (text.startsWith('vgw')) return answer([REASK]);
  ctx['canaryStep'] = step + 1;
  // As SOEs do: keep what the caller said in the context and the CDR (tokens, if the gate worked).
  ctx['lastSaid'] = text;
  return answer([`You said ${text}, ${script.steps[step]?.ask ?? 'goodbye'}`], { vgwAction: { command: 'vgwActAddCustomCDRData', parameters: { lastSaid: text } } });
}

/** A real utterance (flite through RTP) whose words the STT server decides. */
async function speak(call: PhoneCall): Promise<void> {
  await call.play({ kind: 'pcm', samples: phrase });
}

const turnsOf = (tag: string) => dialogTurns.get(tag)?.length ?? 0;

/** Waits until the agent has answered turn `n` of this call and gone quiet. */
async function heard(call: PhoneCall, tag: string, n: number): Promise<void> {
  await call.nextUtterance(30_000);
  assert.equal(turnsOf(tag), n, `${tag}: the dialog saw ${turnsOf(tag)} turns after answer ${n} was heard (out of step)`);
}

async function spokenCall(tag: string, script: SpokenScript): Promise<void> {
  const call = await phone.dial(`sip:${tag}@127.0.0.1:${gw.sipPort}`, [], CALLER);
  await heard(call, tag, 1);
  for (let i = 0; i < script.steps.length; i++) {
    await speak(call);
    await heard(call, tag, i + 2);
  }
  await call.hangup();
}

async function keyedCall(): Promise<void> {
  const call = await phone.dial(`sip:${KEYS_LABEL}@127.0.0.1:${gw.sipPort}`, [], CALLER);
  await heard(call, KEYS_LABEL, 1);
  for (let i = 0; i < CARD_DTMF.length; i++) {
    await call.sendDigits(CARD_DTMF[i]!);
    await heard(call, KEYS_LABEL, i + 2);
  }
  await call.hangup();
}

async function couch(path: string): Promise<string> {
  const r = await fetch(`${pouch.url}/${DB}/${path}`);
  return r.text();
}
async function couchDocs(): Promise<Record<string, unknown>[]> {
  const j = JSON.parse(await couch('_all_docs?include_docs=true')) as { rows?: { doc: Record<string, unknown> }[] };
  return (j.rows ?? []).map((x) => x.doc).filter((d) => !String(d['_id']).startsWith('_design'));
}
/** Events the webhook sink received with a valid signature, in order. */
function hookEvents(): Record<string, unknown>[] {
  const seen = new Set<string>();
  return hook.requests.flatMap((r) => {
    if (hookDownBodies.has(r)) return [];
    const v = verifyWebhookSignature(HOOK_SECRET, r.headers, r.body, { toleranceSec: 300, seenIds: seen });
    if (!v.ok) return [];
    return (JSON.parse(r.body.toString('utf8')) as { events: Record<string, unknown>[] }).events;
  });
}
function sqliteBlobs(file: string, sql: string, ...params: unknown[]): Buffer[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).all(...params) as { b: Buffer }[]).map((r) => r.b);
  } finally {
    db.close();
  }
}
/** 24 bytes from the middle of a sealed blob: random, so present in a file only if the blob is. */
const middle = (b: Buffer) => b.subarray(Math.max(0, (b.length >> 1) - 12), Math.max(0, (b.length >> 1) - 12) + 24);

/** Every place the gateway wrote or sent something, searched for the canaries. */
async function everyLeak(): Promise<{ leaks: Leak[]; searched: string[] }> {
  const leaks: Leak[] = [];
  const searched: string[] = [];
  const add = (where: string, data: Buffer | string) => (searched.push(where), leaks.push(...findLeaks(CANARIES, where, data)));
  for (const [label, dir] of [['data', dataDir()], ['tts-cache', ttsDir], ['tmp', join(gw.dir, 'tmp')]] as const) {
    if (!existsSync(dir)) continue;
    for (const f of filesUnder(dir)) searched.push(`${label}${f.slice(dir.length)}`);
    leaks.push(...findLeaksInDir(CANARIES, label, dir));
  }
  add('gateway stdout', gw.logs.join('\n'));
  add('gateway stderr', gw.stderr.join(''));
  hook.requests.forEach((r, i) => add(`webhook sink request ${i + 1} ${r.url}`, r.body));
  dialog.requests.forEach((r, i) => add(`dialog request ${i + 1}`, r.body));
  stt.transcriptions.forEach((r, i) => add(`stt request ${i + 1} fields`, JSON.stringify(r.fields)));
  add('couchdb _all_docs', await couch('_all_docs?include_docs=true'));
  add('couchdb _changes', await couch('_changes?include_docs=true&style=all_docs'));
  const exported = await run(process.execPath, [join(REPO, 'dist/cli/main.js'), 'training', 'export', '--account', ACCOUNT, '--application', APP, '--region', 'eu', '--url', `http://127.0.0.1:${gw.adminPort}`, '--key', token]);
  add('training export (decrypted)', exported.stdout);
  return { leaks, searched };
}

before(async () => {
  pouch = await startPouchServer();
  dialog = await startRecordingServer(soe);
  hook = await startRecordingServer((r) => {
    if (hookDown) return (hookDownBodies.add(r), { status: 503 });
    return { status: 204 };
  });
  stt = new OpenAiServer({
    apiKey: STT_KEY,
    transcript: (fields) => {
      const next = transcripts.get(fields['prompt'] ?? '')?.shift();
      if (next === undefined) sttErrors.push(`unexpected utterance (prompt ${JSON.stringify(fields['prompt'])})`);
      return next ?? '';
    },
  });
  const sttUrl = await stt.listen();
  ttsDir = mkdtempSync(join(tmpdir(), 'hushgate-canary-tts-'));
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text: 'yes please' })) chunks.push(c);
  phrase = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000); // trailing silence ends the utterance
  chunks.reduce((o, c) => (phrase.set(c, o), o + c.length), 0);

  gw = await startGateway(
    {
      defaultCountry: 'GB',
      log: { level: 'debug' },
      regions: { eu: {} },
      events: { delivery: { lingerMs: 0, idlePollMs: 100, unavailable: { baseMs: 100, capMs: 400 }, retry: { baseMs: 100, capMs: 400 } } },
      accounts: [
        {
          id: ACCOUNT,
          applications: [
            {
              id: APP, region: 'eu', mode: 'agent', numbers: [...Object.keys(SPOKEN), KEYS_LABEL],
              dialog: { provider: 'webhook', url: dialog.url, workspaceId: 'canary', auth: { type: 'none' }, secret: DIALOG_SECRET, allowInsecure: true },
              speech: { stt: { engine: 'openai', url: sttUrl, apiKey: STT_KEY, allowInsecure: true }, ttsCache: { enabled: true, diskDir: ttsDir } },
              training: { enabled: true },
              forwarding: {
                enabled: true,
                customCdrFields: ['lastSaid'],
                sinks: [
                  { type: 'webhook', name: 'hook', url: `${hook.url}/events`, secret: HOOK_SECRET, allowInsecure: true, timeoutMs: 2000 },
                  { type: 'couchdb', name: 'couch', url: pouch.url, database: DB, allowInsecure: true, timeoutMs: 2000 },
                ],
              },
            },
          ],
        },
      ],
    },
    { privateTmp: true },
  );
  token = (await run(process.execPath, [join(REPO, 'dist/cli/main.js'), 'keys', 'create', '--local', '-c', join(gw.dir, 'config.yaml'), '--name', 'dpo', '--scopes', 'all'])).stdout.trim();
  const base = await freeUdpRange(40);
  phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 39, endpointer: { silenceHangoverMs: 500 } });
});

after(async () => {
  await phone?.close();
  await gw?.stop('SIGTERM', 15_000, false);
  await tts.close();
  await dialog?.close();
  await hook?.close();
  await stt?.close();
  await pouch?.stop();
  if (ttsDir) rmSync(ttsDir, { recursive: true, force: true });
});

let pseudonym: string;
let sealed: { what: string; bytes: Buffer }[] = [];

test('canaries: no PII byte in the data directory, TTS cache, logs, sinks, CouchDB, dialog or training export', { timeout: 150_000 }, async (t) => {
  const t0 = Date.now();
  await Promise.all([...Object.entries(SPOKEN).map(([tag, s]) => spokenCall(tag, s)), keyedCall()]);
  t.diagnostic(`calls done in ${Date.now() - t0} ms`);
  assert.deepEqual(sttErrors, []);
  assert.deepEqual(dialogErrors, []);
  for (const [tag, left] of transcripts) assert.deepEqual(left, [], `${tag}: every scripted utterance was recognised`);
  const tags = [...Object.keys(SPOKEN), KEYS_LABEL];
  const docs = await waitFor('five CDRs in CouchDB', async () => {
    const d = await couchDocs();
    return d.filter((x) => x['type'] === 'cdr').length === tags.length ? d : undefined;
  }, 20_000);
  const pseudonyms = new Set(docs.map((d) => d['callerPseudonym']));
  pseudonym = String([...pseudonyms][0]);

  // The webhook was down: the events wait in the outbox, sealed. Note their bytes, and those of the
  // caller's training records and data keys, to look for after erasure.
  const outbox = join(dataDir(), 'outbox-eu.sqlite');
  const region = join(dataDir(), 'regions', 'eu.sqlite');
  const pending = sqliteBlobs(outbox, 'SELECT payload AS b FROM outbox_event WHERE caller_pseudonym = ?', pseudonym);
  const records = sqliteBlobs(region, 'SELECT sealed AS b FROM training_records WHERE from_pseudonym = ?', pseudonym);
  const keys = sqliteBlobs(region, 'SELECT wrapped AS b FROM data_keys WHERE from_pseudonym = ? OR to_pseudonym = ?', pseudonym, pseudonym);
  sealed = [
    ...pending.map((b, i) => ({ what: `outbox payload ${i}`, bytes: middle(b) })),
    ...records.map((b, i) => ({ what: `training record ${i}`, bytes: middle(b) })),
    ...keys.map((b, i) => ({ what: `wrapped data key ${i}`, bytes: middle(b) })),
  ];
  hookDown = false;
  await waitFor('the CDRs at the webhook', () => (hookEvents().filter((e) => e['type'] === 'cdr').length === tags.length ? true : undefined), 20_000);

  // Every byte: nothing of any canary anywhere.
  const { leaks, searched } = await everyLeak();
  t.diagnostic(`searched ${searched.length} places: ${searched.filter((s) => !/request \d/.test(s)).join(', ')} and ${searched.filter((s) => /request \d/.test(s)).length} request bodies`);
  assert.ok(searched.some((s) => s.endsWith('eu.sqlite-wal')) && searched.some((s) => s.includes('outbox-eu.sqlite')), 'the region store WAL and the outbox are among the files searched');
  assert.ok(dialog.requests.length >= UTTERANCES + 17 && hook.requests.length > 0 && gw.logs.length > 0, 'the dialog, the sink and the logs got something');
  assert.equal(leaks.length, 0, `canary leaks:\n${describeLeaks(leaks)}`);

  t.diagnostic(`the dialog saw: ${Object.keys(SPOKEN).flatMap((tag) => dialogTurns.get(tag)!.slice(1).map((x) => x.text).filter((x) => x !== 'vgwHangUp')).join(' | ')}`);

  // One caller, one keyed pseudonym on every event, never the number.
  assert.equal(pseudonyms.size, 1, `one caller, one pseudonym (got ${[...pseudonyms].join(', ')})`);
  assert.match(pseudonym, /^[0-9a-f]{32,}$/);
  assert.ok(docs.every((d) => d['type'] !== 'cdr' || d['caller'] === '+44770090XXXX'), 'CDR caller obfuscated');
  assert.equal(docs.filter((d) => d['type'] === 'transcription').length, UTTERANCES, 'every spoken turn reported');
  assert.equal(docs.filter((d) => d['type'] === 'cdr' && typeof (d['customData'] as Record<string, unknown> | undefined)?.['lastSaid'] === 'string').length, 4, 'the SOE\'s custom CDR data reached the spoken calls\' CDRs (searched above)');
  assert.ok(pending.length > 0 && records.length === UTTERANCES && keys.length > 0, `sealed rows found: ${pending.length} events, ${records.length} training records, ${keys.length} data keys`);

  // 5: keys one per turn become one sensitive entity from the 4th key on (dialog and events).
  const keyTurns = dialogTurns.get(KEYS_LABEL)!.slice(1, 1 + CARD_DTMF.length).map((x) => x.text);
  assert.equal(keyTurns.length, 16);
  const raw = (x: string) => /^[0-9]+$/.test(x);
  assert.ok(keyTurns.every((x, i) => i < 3 || !raw(x)), `raw keys reached the dialog from the 4th on: ${JSON.stringify(keyTurns)}`);
  const keyDocs = docs.filter((d) => d['type'] === 'dtmf').sort((a, b) => String(a['time']).localeCompare(String(b['time']))); // only the keyed call has DTMF
  assert.equal(new Set(keyDocs.map((d) => d['callId'])).size, 1);
  assert.equal(keyDocs.length, 16, 'one DTMF event per key');
  assert.ok(keyDocs.every((d, i) => i < 3 || d['digits'] === undefined), `raw keys in DTMF events from the 4th on: ${JSON.stringify(keyDocs.map((d) => d['digits'] ?? null))}`);
  t.diagnostic(`keys that reached the dialog raw: ${keyTurns.filter(raw).length} (${JSON.stringify(keyTurns.slice(0, 4))}); in events: ${keyDocs.filter((d) => d['digits'] !== undefined).length}`);

  // I3: the TTS disk cache holds the fixed prompts and none of the answers that echoed the caller.
  const secret = readFileSync(join(dataDir(), 'keys', 'tts-cache.key'));
  const keyOf = (text: string) => ttsCacheKey(secret, 'flite', 'slt', tts.cacheText({ text }), {}); // keyed on what flite synthesises
  const fixed = new Map([...Object.values(SPOKEN).map((s) => s.greeting), KEYS_GREETING, REASK].map((x) => [keyOf(x), x]));
  // A key that reached the dialog raw (a menu key, before the run reached 4) comes back with no token
  // in the answer, so its echo is not caller data to the gateway; every other echo carried a restored token.
  const menuKeyEchoes = new Map(keyTurns.map((k, i) => [k, CARD_DTMF[i]!] as const).filter(([k]) => raw(k)).map(([, d]) => [keyOf(keyEcho(d)), keyEcho(d)]));
  const echoes = new Map([...Object.values(SPOKEN).flatMap((s) => s.steps.map(echo)), ...[...CARD_DTMF].map(keyEcho)].map((x) => [keyOf(x), x]));
  for (const k of menuKeyEchoes.keys()) echoes.delete(k);
  const cached = await waitFor('the greetings in the TTS disk cache', () => {
    const names = readdirSync(ttsDir).filter((n) => !n.includes('.tmp'));
    return names.filter((n) => fixed.has(n)).length >= 2 ? names : undefined;
  });
  assert.deepEqual(cached.filter((n) => echoes.has(n)).map((n) => echoes.get(n)), [], 'answers that echo the caller are in the TTS disk cache');
  assert.deepEqual(cached.filter((n) => !fixed.has(n) && !menuKeyEchoes.has(n)), [], 'TTS disk cache entries that are neither fixed prompts nor menu-key echoes');
  t.diagnostic(`TTS disk cache: ${cached.length} entries: ${cached.map((n) => fixed.get(n) ?? menuKeyEchoes.get(n)).join(' | ')}`);
});

test('erasure: receipt, CouchDB emptied, signed notice at the webhook, pseudonym and sealed bytes gone from every file', { timeout: 60_000 }, async () => {
  assert.ok(pseudonym, 'the first test found the caller pseudonym');
  const r = await fetch(`http://127.0.0.1:${gw.adminPort}/v1/erasures`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ accountId: ACCOUNT, applicationId: APP, phoneNumber: '07700 900123', requestId: 'dsr-canary-1' }),
  });
  const receipt = (await r.json()) as { counts: Record<string, number>; sinks: { sink: string; outcome: string }[]; failed: string[]; notReached: string[] };
  assert.equal(r.status, 201, JSON.stringify(receipt));
  assert.deepEqual(receipt.failed, []);
  assert.equal(receipt.counts['trainingRecords'], UTTERANCES);
  assert.deepEqual(receipt.sinks.map((s) => [s.sink, s.outcome]).sort(), [[`${ACCOUNT}/${APP}/couch`, 'deleted'], [`${ACCOUNT}/${APP}/hook`, 'notified']]);
  const text = JSON.stringify(receipt);
  assert.ok(!text.includes(pseudonym) && !/7700900123|900123/.test(text), 'no pseudonym or number on the receipt');

  // CouchDB: none of the caller's documents; tombstones keep no body.
  assert.deepEqual((await couchDocs()).filter((d) => d['callerPseudonym'] === pseudonym), []);
  assert.ok(!(await couch('_changes?include_docs=true&style=all_docs')).includes(pseudonym), 'the pseudonym in CouchDB _changes');

  // The webhook: a signed erasure notice for the caller.
  const notice = await waitFor('the erasure notice at the webhook', () => hookEvents().find((e) => e['type'] === 'erasure'));
  assert.equal(notice['callerPseudonym'], pseudonym);
  assert.equal(notice['requestId'], 'dsr-canary-1');

  // Every file: no pseudonym (once the notice has left the outbox), no sealed byte of the caller's.
  const remains = () => {
    const hits: string[] = [];
    for (const [label, dir] of [['data', dataDir()], ['tts-cache', ttsDir], ['tmp', join(gw.dir, 'tmp')]] as const) {
      if (!existsSync(dir)) continue;
      for (const f of filesUnder(dir)) {
        const b = readFileSync(f);
        const where = `${label}${f.slice(dir.length)}`;
        if (b.includes(pseudonym)) hits.push(`pseudonym in ${where}`);
        for (const s of sealed) if (b.includes(s.bytes)) hits.push(`${s.what} in ${where}`);
      }
    }
    return hits;
  };
  await waitFor('no pseudonym or sealed byte of the caller in any file', () => (remains().length === 0 ? true : undefined), 20_000).catch(() => undefined);
  assert.deepEqual(remains(), []);

  // The erasure request itself carried the number: still in no byte, in the logs neither.
  const { leaks } = await everyLeak();
  assert.equal(leaks.length, 0, `canary leaks after erasure:\n${describeLeaks(leaks)}`);

  // And what a stopped gateway leaves on disk.
  await gw.stop('SIGTERM', 15_000, true);
  try {
    assert.deepEqual(remains(), [], 'after stop');
    const left = [...findLeaksInDir(CANARIES, 'data', dataDir()), ...findLeaks(CANARIES, 'gateway stdout', gw.logs.join('\n'))];
    assert.equal(left.length, 0, `canary leaks after stop:\n${describeLeaks(left)}`);
  } finally {
    rmSync(gw.dir, { recursive: true, force: true });
  }
});
