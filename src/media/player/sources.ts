/**
 * Loading what a Player plays: WAV bytes/files and http(s) URLs become 8 kHz mono PCM16. Owns
 * the fetch policy for prompts — https only unless `allowInsecure`, a size cap (checked against
 * Content-Length and while streaming the body), a time limit, and a content-type allow-list
 * (WAV, or raw μ-law `audio/basic`). Errors are values and never carry the URL (it may hold a
 * token or a caller-specific path).
 */
import { readFile, stat } from 'node:fs/promises';
import { parseWav, decodeG711 } from '../wav.js';
import { toTelephone } from '../resample.js';

export interface FetchLimits {
  maxBytes?: number; // default 10 MiB
  timeoutMs?: number; // default 10 s
  allowInsecure?: boolean; // allow plain http; default false
}

export type LoadResult = { ok: true; pcm: Int16Array } | { ok: false; error: string };

const WAV_TYPES = new Set(['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave']);

export function wavToTelephone(bytes: Uint8Array): LoadResult {
  const r = parseWav(bytes);
  if (!r.ok) return r;
  return { ok: true, pcm: toTelephone(r.wav.samples, r.wav.sampleRate, r.wav.channels) };
}

export async function loadWavFile(path: string, maxBytes = 50 * 1024 * 1024): Promise<LoadResult> {
  try {
    const st = await stat(path);
    if (st.size > maxBytes) return { ok: false, error: `wav file larger than ${maxBytes} bytes` };
    return wavToTelephone(await readFile(path));
  } catch (err) {
    return { ok: false, error: `wav file unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}

export async function loadUrl(url: string, limits: FetchLimits, cancel: AbortSignal): Promise<LoadResult> {
  const maxBytes = limits.maxBytes ?? 10 * 1024 * 1024;
  const timeoutMs = limits.timeoutMs ?? 10_000;
  const allowed = (u: string) => {
    try {
      const p = new URL(u).protocol;
      return p === 'https:' || (p === 'http:' && limits.allowInsecure === true);
    } catch {
      return false;
    }
  };
  if (!allowed(url)) return { ok: false, error: 'url: only https is allowed (set allowInsecure for http)' };
  const signal = AbortSignal.any([cancel, AbortSignal.timeout(timeoutMs)]);
  try {
    const res = await fetch(url, { signal, redirect: 'follow' });
    if (!allowed(res.url || url)) return { ok: false, error: 'url: redirected to a disallowed scheme' };
    if (!res.ok) return { ok: false, error: `url: HTTP ${res.status}` };
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!WAV_TYPES.has(type) && type !== 'audio/basic') {
      await res.body?.cancel();
      return { ok: false, error: `url: unsupported content-type ${JSON.stringify(type.slice(0, 60))}` };
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await res.body?.cancel();
      return { ok: false, error: `url: body larger than ${maxBytes} bytes` };
    }
    const body = await readCapped(res, maxBytes);
    if (!body) return { ok: false, error: `url: body larger than ${maxBytes} bytes` };
    return type === 'audio/basic' ? { ok: true, pcm: decodeG711(body, 'mulaw') } : wavToTelephone(body);
  } catch (err) {
    const name = (err as Error).name;
    if (cancel.aborted) return { ok: false, error: 'url: cancelled' };
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, error: `url: no complete response within ${timeoutMs} ms` };
    return { ok: false, error: `url: fetch failed (${name})` };
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
