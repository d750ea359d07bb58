/**
 * SDES: SDP Security Descriptions for media streams (RFC 4568), `a=crypto` for SRTP.
 *
 * Owns: parsing and formatting `a=crypto` values
 *   `<tag> <crypto-suite> inline:<base64 key||salt>[|<lifetime>][|<MKI>:<length>][;inline:…] [session-params]`,
 * choosing a line from an offer and producing our answer (`createSdesNegotiator`, plugged into
 * `negotiate()` as its `srtp` negotiator), making our own offer lines (`createSdesOffer`), and
 * `redactCryptoKeys` for anything that might print an SDP body.
 *
 * What SDP knows of SRTP is only the key material: suite name, master key (16 bytes), master salt
 * (14 bytes), optional MKI. The result context (`SdesKeys`) is shaped so `media/srtp`'s
 * `createSrtpContexts` takes it as is; this file imports nothing from `media/`.
 *
 * Accepted: AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32, one key per line (lines with
 * several MKI-tagged keys are parsed but not accepted), lifetime ≤ 2^48 (SRTP's limit),
 * session parameters KDR=0, WSH=n (n ≥ 64), FEC_ORDER=FEC_SRTP. Lines asking for anything we do not
 * do (UNENCRYPTED_SRTP/SRTCP, UNAUTHENTICATED_SRTP, KDR ≥ 1, FEC_KEY, unknown parameters) are
 * skipped, never half-honoured: RFC 4568 §6.3 lets the answerer pick another line or refuse.
 *
 * Keys never appear in logs: `SdesKeys`, `SdesAnswer` and `SdesOffer` print suite and tag only
 * through `JSON.stringify` and `util.inspect`.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { SdpResult } from './parse.js';
import type { SrtpNegotiator } from './negotiate.js';

export type SdesSuiteName = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';
export const SDES_SUITES: readonly SdesSuiteName[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

const KEY_LENGTH = 16;
const SALT_LENGTH = 14;
const MAX_LIFETIME = 2 ** 48;

export interface CryptoKeyParam {
  key: Buffer;
  salt: Buffer;
  /** Packets this key may protect; undefined = suite default (2^48 SRTP, 2^31 SRTCP). */
  lifetime?: number;
  mki?: { value: number; length: number };
}

export interface CryptoAttribute {
  tag: number;
  suite: SdesSuiteName;
  keys: CryptoKeyParam[];
  sessionParams: string[];
}

const TAG = /^[0-9]{1,9}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const LIFETIME = /^(?:2\^([0-9]{1,2})|([0-9]{1,15}))$/;
const MKI = /^([0-9]{1,10}):([0-9]{1,3})$/;

/** Parse one `a=crypto` value (the text after `a=crypto:`). */
export function parseCryptoAttribute(value: string): SdpResult<CryptoAttribute> {
  const fields = value.trim().split(/[ \t]+/);
  if (fields.length < 3) return { ok: false, error: 'a=crypto needs a tag, a suite and key parameters' };
  const [tagText, suite, keyParams, ...sessionParams] = fields as [string, string, string, ...string[]];
  if (!TAG.test(tagText)) return { ok: false, error: 'a=crypto tag must be 1 to 9 digits' };
  if (!(SDES_SUITES as readonly string[]).includes(suite)) return { ok: false, error: `unsupported crypto-suite ${suite}` };
  const keys: CryptoKeyParam[] = [];
  for (const param of keyParams.split(';')) {
    const k = parseKeyParam(param);
    if (!k.ok) return k;
    keys.push(k.value);
  }
  if (keys.length > 1 && keys.some((k) => !k.mki)) return { ok: false, error: 'several keys in one a=crypto need an MKI each' };
  const mkiLengths = new Set(keys.map((k) => k.mki?.length ?? 0));
  if (mkiLengths.size > 1) return { ok: false, error: 'all MKIs of one a=crypto must have the same length' };
  return { ok: true, value: { tag: Number(tagText), suite: suite as SdesSuiteName, keys, sessionParams } };
}

function parseKeyParam(param: string): SdpResult<CryptoKeyParam> {
  if (!param.startsWith('inline:')) return { ok: false, error: 'key method must be inline' };
  const [keySalt, ...rest] = param.slice('inline:'.length).split('|');
  if (!keySalt || !BASE64.test(keySalt) || keySalt.length % 4 !== 0) return { ok: false, error: 'key is not valid base64' };
  const bytes = Buffer.from(keySalt, 'base64');
  if (bytes.length !== KEY_LENGTH + SALT_LENGTH) return { ok: false, error: `key||salt must be ${KEY_LENGTH + SALT_LENGTH} bytes` };
  const out: CryptoKeyParam = { key: bytes.subarray(0, KEY_LENGTH), salt: bytes.subarray(KEY_LENGTH) };
  if (rest.length > 2) return { ok: false, error: 'too many key-info fields' };
  for (const [i, part] of rest.entries()) {
    const mki = MKI.exec(part);
    if (mki) {
      if (i !== rest.length - 1) return { ok: false, error: 'MKI must come after the lifetime' };
      const length = Number(mki[2]);
      const v = Number(mki[1]);
      if (length < 1 || length > 128) return { ok: false, error: 'MKI length must be 1 to 128 bytes' };
      if (length < 6 && v >= 2 ** (8 * length)) return { ok: false, error: 'MKI value does not fit its length' };
      out.mki = { value: v, length };
      continue;
    }
    const life = LIFETIME.exec(part);
    if (!life || i !== 0) return { ok: false, error: 'malformed lifetime or MKI' };
    const lifetime = life[1] !== undefined ? 2 ** Number(life[1]) : Number(life[2]);
    if (lifetime < 1 || lifetime > MAX_LIFETIME) return { ok: false, error: 'lifetime must be 1 to 2^48' };
    out.lifetime = lifetime;
  }
  return { ok: true, value: out };
}

/** Format an attribute value (without `a=crypto:`). Lifetimes that are powers of two use `2^n`. */
export function formatCryptoAttribute(a: CryptoAttribute): string {
  const keys = a.keys.map((k) => {
    let s = 'inline:' + Buffer.concat([k.key, k.salt]).toString('base64');
    if (k.lifetime !== undefined) {
      const n = Math.log2(k.lifetime);
      s += '|' + (Number.isInteger(n) ? `2^${n}` : String(k.lifetime));
    }
    if (k.mki) s += `|${k.mki.value}:${k.mki.length}`;
    return s;
  });
  return [String(a.tag), a.suite, keys.join(';'), ...a.sessionParams].join(' ');
}

/** Replace every inline key in `text` (an SDP body, an a=crypto value) by `<redacted>`. */
export function redactCryptoKeys(text: string): string {
  return text.replace(/inline:[A-Za-z0-9+/=]+/g, 'inline:<redacted>');
}

/** Whether we can honour a line's session parameters (see header). */
function sessionParamsAcceptable(params: string[]): boolean {
  return params.every((p) => {
    if (p === 'KDR=0' || p === 'FEC_ORDER=FEC_SRTP') return true;
    const wsh = /^WSH=([0-9]{1,9})$/.exec(p);
    return wsh !== null && Number(wsh[1]) >= 64;
  });
}

function mkiBytes(mki: { value: number; length: number }): Buffer {
  const b = Buffer.alloc(mki.length);
  let v = mki.value;
  for (let i = mki.length - 1; i >= 0 && v > 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return b;
}

/**
 * The keys both sides agreed on for one stream: ours (we send with it) and the peer's (we
 * receive with it). Structurally what `createSrtpContexts` in `media/srtp` takes.
 */
export class SdesKeys {
  constructor(
    readonly suite: SdesSuiteName,
    readonly tag: number,
    readonly localKey: Buffer,
    readonly localSalt: Buffer,
    readonly remoteKey: Buffer,
    readonly remoteSalt: Buffer,
    readonly remoteMki?: Buffer,
  ) {}
  toJSON(): object {
    return { suite: this.suite, tag: this.tag, remoteMki: this.remoteMki !== undefined };
  }
  [inspect.custom](): string {
    return `SdesKeys { suite: '${this.suite}', tag: ${this.tag}, keys: <redacted> }`;
  }
}

/** `accept()`'s result: `answer` goes into our SDP; printing the object redacts the key. */
export class SdesAnswer {
  constructor(
    readonly answer: string,
    readonly context: SdesKeys,
  ) {}
  toJSON(): object {
    return { answer: redactCryptoKeys(this.answer), context: this.context };
  }
  [inspect.custom](): string {
    return `SdesAnswer { answer: '${redactCryptoKeys(this.answer)}', context: ${this.context[inspect.custom]()} }`;
  }
}

export interface SdesOptions {
  /** Suites we accept / offer, in our order of preference for offers (default both, _80 first). */
  suites?: readonly SdesSuiteName[];
  /** Key source (default crypto.randomBytes); inject only in tests. */
  randomBytes?: (n: number) => Buffer;
}

/**
 * Answerer side: picks the first offered line (offer order, RFC 4568 §7.1.2) whose suite we
 * support and whose parameters we can honour, and answers with the same tag and suite and a
 * fresh master key and salt of our own.
 */
export function createSdesNegotiator(opts: SdesOptions = {}): SrtpNegotiator<SdesKeys> {
  const suites = opts.suites ?? SDES_SUITES;
  const random = opts.randomBytes ?? nodeRandomBytes;
  return {
    accept(offered: string[]): SdesAnswer | undefined {
      for (const value of offered) {
        const parsed = parseCryptoAttribute(value);
        if (!parsed.ok) continue;
        const a = parsed.value;
        if (!suites.includes(a.suite) || a.keys.length !== 1 || !sessionParamsAcceptable(a.sessionParams)) continue;
        const remote = a.keys[0]!;
        const material = random(KEY_LENGTH + SALT_LENGTH);
        const localKey = Buffer.from(material.subarray(0, KEY_LENGTH));
        const localSalt = Buffer.from(material.subarray(KEY_LENGTH));
        const answer = formatCryptoAttribute({ tag: a.tag, suite: a.suite, keys: [{ key: localKey, salt: localSalt }], sessionParams: [] });
        const keys = new SdesKeys(a.suite, a.tag, localKey, localSalt, Buffer.from(remote.key), Buffer.from(remote.salt), remote.mki ? mkiBytes(remote.mki) : undefined);
        return new SdesAnswer(answer, keys);
      }
      return undefined;
    },
  };
}

/** Offerer side: our `a=crypto` lines, and the step that reads the answer's line. */
export class SdesOffer {
  readonly lines: readonly string[];
  private readonly offered: ReadonlyMap<number, { suite: SdesSuiteName; key: Buffer; salt: Buffer }>;

  constructor(opts: SdesOptions = {}) {
    const random = opts.randomBytes ?? nodeRandomBytes;
    const offered = new Map<number, { suite: SdesSuiteName; key: Buffer; salt: Buffer }>();
    const lines: string[] = [];
    (opts.suites ?? SDES_SUITES).forEach((suite, i) => {
      const material = random(KEY_LENGTH + SALT_LENGTH);
      const entry = { suite, key: Buffer.from(material.subarray(0, KEY_LENGTH)), salt: Buffer.from(material.subarray(KEY_LENGTH)) };
      offered.set(i + 1, entry);
      lines.push(formatCryptoAttribute({ tag: i + 1, suite, keys: [{ key: entry.key, salt: entry.salt }], sessionParams: [] }));
    });
    this.lines = lines;
    this.offered = offered;
  }

  /** Read the answer's `a=crypto` value: it must name one of our tags with the same suite. */
  accept(answerValue: string): SdpResult<SdesKeys> {
    const parsed = parseCryptoAttribute(answerValue);
    if (!parsed.ok) return parsed;
    const a = parsed.value;
    const mine = this.offered.get(a.tag);
    if (!mine || mine.suite !== a.suite) return { ok: false, error: 'answer a=crypto does not match an offered tag and suite' };
    if (a.keys.length !== 1 || !sessionParamsAcceptable(a.sessionParams)) return { ok: false, error: 'answer a=crypto asks for parameters we do not support' };
    const remote = a.keys[0]!;
    return { ok: true, value: new SdesKeys(a.suite, a.tag, mine.key, mine.salt, Buffer.from(remote.key), Buffer.from(remote.salt), remote.mki ? mkiBytes(remote.mki) : undefined) };
  }

  /**
   * The offer's side of `negotiate()` when reading the answer: the answer's `a=crypto` values, of
   * which the first that names one of our tags keys the session (no answer line of our own to add).
   */
  answerNegotiator(): SrtpNegotiator<SdesKeys> {
    return {
      accept: (values: string[]) => {
        for (const v of values) {
          const k = this.accept(v);
          if (k.ok) return { answer: '', context: k.value };
        }
        return undefined;
      },
    };
  }

  toJSON(): object {
    return { lines: this.lines.map(redactCryptoKeys) };
  }
  [inspect.custom](): string {
    return `SdesOffer ${JSON.stringify(this.toJSON())}`;
  }
}

export function createSdesOffer(opts: SdesOptions = {}): SdesOffer {
  return new SdesOffer(opts);
}
