/**
 * TTS cache: synthesised prompts keyed by HMAC-SHA256(installation secret; engine, voice, text,
 * settings), so a prompt the gateway says on every call is synthesised once.
 *
 * Why keyed: a plain hash of the text would let anyone who can list the disk tier confirm a guessed
 * sentence ("your balance is 1234 dollars") by hashing candidates. Under a secret only this
 * installation holds (`<dataDir>/keys/tts-cache.key`, 0600), a name reveals nothing without it.
 *
 * Memory tier: LRU bounded by bytes. Optional disk tier: one file per entry named by the key
 * (mode 0600, in a directory 0700: one open to others is refused), holding the expiry time and the PCM; the text is never written
 * anywhere. Entries of the old unkeyed scheme (bare 64-hex names) are deleted when the disk tier
 * opens. Every entry has a time-to-live (`cacheTimeToLive` of vgwActSetTTSConfig, in seconds).
 * Privacy (invariant I3): `admit()` refuses an utterance flagged `noCache`
 * (vgwActExcludeFromTTSCache) or matched by the `exclude` predicate, which is the hook the privacy
 * module's PII detector plugs into. The clock is injected.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { requirePrivateDir } from '../store/index.js';

export interface TtsCacheOptions {
  /** Memory tier budget in bytes of PCM. Default 32 MiB. */
  maxBytes?: number;
  /** Default time-to-live in seconds. Default 24 h. */
  defaultTtlSec?: number;
  /** Directory for the disk tier; no disk tier when absent. Requires `keySecret`. */
  diskDir?: string;
  /**
   * The installation's secret keying entry names (32 bytes). Without it a random one is drawn per
   * process: fine for memory only, and the disk tier refuses to start (its names must stay stable).
   */
  keySecret?: Buffer;
  /** Disk tier budget in bytes. Default 256 MiB. */
  diskMaxBytes?: number;
  /** Privacy hook: true = this text must never be cached (e.g. it carries PII). */
  exclude?: (text: string) => boolean;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

export interface TtsCacheStats {
  hits: number;
  misses: number;
  hitRatio: number;
  entries: number;
  bytes: number;
  diskEntries: number;
  diskBytes: number;
  refused: number;
}

interface MemoryEntry {
  audio: Int16Array;
  expiresAt: number;
}

interface DiskEntry {
  bytes: number;
  expiresAt: number;
}

/** Entry names: `k1-` + 64 hex digits of the HMAC. */
const KEY_RE = /^k1-[0-9a-f]{64}$/;
/** Names of the old unkeyed scheme (a bare SHA-256): guessable, so removed. */
const UNKEYED_RE = /^[0-9a-f]{64}$/;
/** A temporary file of an interrupted write. */
const TMP_RE = /^(k1-)?[0-9a-f]{64}\.tmp\d+$/;
const HEADER_BYTES = 8;
const SECRET_BYTES = 32;

/** The cache key of an utterance under `secret`: independent of the order of `settings`. */
export function ttsCacheKey(secret: Buffer, engine: string, voice: string, text: string, settings: Record<string, unknown> = {}): string {
  const sorted = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `k1-${createHmac('sha256', secret).update(JSON.stringify([engine, voice, text, sorted])).digest('hex')}`;
}

export class TtsCache {
  private readonly memory = new Map<string, MemoryEntry>();
  private readonly disk = new Map<string, DiskEntry>();
  private memoryBytes = 0;
  private diskBytes = 0;
  private hits = 0;
  private misses = 0;
  private refused = 0;
  private readonly maxBytes: number;
  private readonly diskMaxBytes: number;
  private readonly defaultTtlSec: number;
  private readonly now: () => number;
  private exclude: ((text: string) => boolean) | undefined;
  private diskReady: Promise<void> | undefined;

  private readonly secret: Buffer;

  constructor(private readonly opts: TtsCacheOptions = {}) {
    if (opts.keySecret && opts.keySecret.length !== SECRET_BYTES) throw new Error(`TTS cache key secret must be ${SECRET_BYTES} bytes`);
    if (opts.diskDir && !opts.keySecret) throw new Error('the TTS cache disk tier needs the installation key secret');
    this.secret = opts.keySecret ?? randomBytes(SECRET_BYTES);
    this.maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
    this.diskMaxBytes = opts.diskMaxBytes ?? 256 * 1024 * 1024;
    this.defaultTtlSec = opts.defaultTtlSec ?? 24 * 3600;
    this.now = opts.now ?? Date.now;
    this.exclude = opts.exclude;
    if (opts.diskDir) {
      requirePrivateDir(opts.diskDir, 'the TTS cache directory'); // throws here, so the application fails to build with the reason
      this.diskReady = this.openDisk(opts.diskDir);
    }
  }

  /** The key of an utterance in this cache (what `get`/`set` take). */
  keyFor(engine: string, voice: string, text: string, settings: Record<string, unknown> = {}): string {
    return ttsCacheKey(this.secret, engine, voice, text, settings);
  }

  /** Install (or replace) the privacy predicate; the privacy module calls this at start. */
  setExclude(predicate: ((text: string) => boolean) | undefined): void {
    this.exclude = predicate;
  }

  /** May this utterance be cached at all? Counts refusals. */
  admit(text: string, noCache?: boolean): boolean {
    let ok = !noCache;
    if (ok && this.exclude) {
      try {
        ok = !this.exclude(text);
      } catch {
        ok = false; // a failing detector must fail closed
      }
    }
    if (!ok) this.refused++;
    return ok;
  }

  private async openDisk(dir: string): Promise<void> {
    const now = this.now();
    for (const name of await readdir(dir)) {
      if (UNKEYED_RE.test(name) || TMP_RE.test(name)) {
        await rm(join(dir, name), { force: true });
        continue;
      }
      if (!KEY_RE.test(name)) continue;
      try {
        const st = await stat(join(dir, name));
        const head = await readFile(join(dir, name)).then((b) => b.subarray(0, HEADER_BYTES));
        const expiresAt = head.length === HEADER_BYTES ? Number(head.readBigUInt64LE(0)) : 0;
        if (expiresAt <= now) await rm(join(dir, name), { force: true });
        else {
          this.disk.set(name, { bytes: st.size, expiresAt });
          this.diskBytes += st.size;
        }
      } catch {
        // unreadable entry: ignore
      }
    }
  }

  /** Looks up memory, then disk (promoting a disk hit to memory). Counts hits and misses. */
  async get(key: string): Promise<Int16Array | undefined> {
    const now = this.now();
    const m = this.memory.get(key);
    if (m) {
      if (m.expiresAt > now) {
        this.memory.delete(key);
        this.memory.set(key, m);
        this.hits++;
        return m.audio;
      }
      this.dropMemory(key);
    }
    if (this.diskReady && KEY_RE.test(key)) {
      await this.diskReady;
      const d = this.disk.get(key);
      if (d && d.expiresAt > now) {
        try {
          const buf = await readFile(join(this.opts.diskDir!, key));
          const pcm = buf.subarray(HEADER_BYTES);
          const audio = new Int16Array(pcm.length >> 1);
          for (let i = 0; i < audio.length; i++) audio[i] = pcm.readInt16LE(i * 2);
          this.putMemory(key, audio, d.expiresAt);
          this.hits++;
          return audio;
        } catch {
          await this.dropDisk(key);
        }
      } else if (d) {
        await this.dropDisk(key);
      }
    }
    this.misses++;
    return undefined;
  }

  /**
   * Stores audio under `key`. Callers must have asked `admit()` for the utterance first;
   * `CachedTts` does.
   */
  async set(key: string, audio: Int16Array, ttlSec?: number): Promise<void> {
    const ttl = ttlSec ?? this.defaultTtlSec;
    if (!(ttl > 0)) return;
    const expiresAt = this.now() + ttl * 1000;
    this.putMemory(key, audio, expiresAt);
    if (this.diskReady && KEY_RE.test(key)) {
      await this.diskReady;
      const buf = Buffer.alloc(HEADER_BYTES + audio.length * 2);
      buf.writeBigUInt64LE(BigInt(Math.round(expiresAt)), 0);
      for (let i = 0; i < audio.length; i++) buf.writeInt16LE(audio[i]!, HEADER_BYTES + i * 2);
      const path = join(this.opts.diskDir!, key);
      const tmp = `${path}.tmp${process.pid}`;
      await writeFile(tmp, buf, { mode: 0o600 });
      await rename(tmp, path);
      const old = this.disk.get(key);
      if (old) this.diskBytes -= old.bytes;
      this.disk.delete(key);
      this.disk.set(key, { bytes: buf.length, expiresAt });
      this.diskBytes += buf.length;
      while (this.diskBytes > this.diskMaxBytes && this.disk.size > 1) await this.dropDisk(this.disk.keys().next().value!);
    }
  }

  /** Removes one entry from both tiers (e.g. a prompt later found to carry PII). */
  async delete(key: string): Promise<void> {
    this.dropMemory(key);
    if (this.diskReady) {
      await this.diskReady;
      await this.dropDisk(key);
    }
  }

  stats(): TtsCacheStats {
    const lookups = this.hits + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      hitRatio: lookups === 0 ? 0 : this.hits / lookups,
      entries: this.memory.size,
      bytes: this.memoryBytes,
      diskEntries: this.disk.size,
      diskBytes: this.diskBytes,
      refused: this.refused,
    };
  }

  private putMemory(key: string, audio: Int16Array, expiresAt: number): void {
    this.dropMemory(key);
    if (audio.byteLength > this.maxBytes) return;
    this.memory.set(key, { audio, expiresAt });
    this.memoryBytes += audio.byteLength;
    while (this.memoryBytes > this.maxBytes) this.dropMemory(this.memory.keys().next().value!);
  }

  private dropMemory(key: string): void {
    const e = this.memory.get(key);
    if (!e) return;
    this.memory.delete(key);
    this.memoryBytes -= e.audio.byteLength;
  }

  private async dropDisk(key: string): Promise<void> {
    const e = this.disk.get(key);
    if (e) {
      this.disk.delete(key);
      this.diskBytes -= e.bytes;
    }
    await rm(join(this.opts.diskDir!, key), { force: true });
  }
}
