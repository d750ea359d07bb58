/**
 * Webhook request signatures, for the sender (`signWebhook`) and for receivers
 * (`verifyWebhookSignature`).
 *
 * Scheme (v1): `X-Hushgate-Timestamp: <unix seconds>` and
 * `X-Hushgate-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>`.
 * Binding the timestamp into the MAC lets a receiver reject a replay outside `toleranceSec`;
 * within the window it rejects a replay by remembering signatures it has accepted (`seenIds`,
 * any set-like store, e.g. one that expires entries after the tolerance). A legitimate retry is
 * signed afresh (new timestamp, new signature), so it is not mistaken for a replay; receivers
 * de-duplicate events by `eventId`. Several `v1=` values may be sent, comma-separated, during a
 * secret rotation; the receiver may pass several secrets.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-hushgate-timestamp';
export const SIGNATURE_HEADER = 'x-hushgate-signature';

export function webhookSignature(secret: string, timestamp: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(timestamp + '.').update(body).digest('hex');
}

/** Headers to send with `body`, signed with `secret` at `nowSec`. */
export function signWebhook(secret: string, body: string, nowSec: number): Record<string, string> {
  const ts = String(Math.floor(nowSec));
  return { 'X-Hushgate-Timestamp': ts, 'X-Hushgate-Signature': `v1=${webhookSignature(secret, ts, body)}` };
}

export interface SeenIds {
  has(id: string): boolean;
  add(id: string): unknown;
}

export interface VerifyOptions {
  toleranceSec: number;
  seenIds?: SeenIds;
  /** Current time in unix seconds (default: now). */
  nowSec?: number;
}

export type VerifyResult =
  | { ok: true; timestamp: number; signature: string }
  | { ok: false; error: 'missing-headers' | 'bad-timestamp' | 'stale-timestamp' | 'bad-signature' | 'replayed' };

type HeaderBag = Record<string, string | string[] | undefined> | Headers;

export function verifyWebhookSignature(secret: string | readonly string[], headers: HeaderBag, body: string | Buffer, opts: VerifyOptions): VerifyResult {
  const tsRaw = header(headers, TIMESTAMP_HEADER);
  const sigRaw = header(headers, SIGNATURE_HEADER);
  if (!tsRaw || !sigRaw) return { ok: false, error: 'missing-headers' };
  if (!/^\d{1,12}$/.test(tsRaw)) return { ok: false, error: 'bad-timestamp' };
  const ts = Number(tsRaw);
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > opts.toleranceSec) return { ok: false, error: 'stale-timestamp' };
  const offered = sigRaw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='))
    .map((s) => s.slice(3));
  const secrets = typeof secret === 'string' ? [secret] : secret;
  for (const s of secrets) {
    const expected = Buffer.from(webhookSignature(s, tsRaw, body), 'hex');
    for (const o of offered) {
      if (!/^[0-9a-f]{64}$/i.test(o)) continue;
      if (timingSafeEqual(expected, Buffer.from(o, 'hex'))) {
        const id = o.toLowerCase();
        if (opts.seenIds) {
          if (opts.seenIds.has(id)) return { ok: false, error: 'replayed' };
          opts.seenIds.add(id);
        }
        return { ok: true, timestamp: ts, signature: id };
      }
    }
  }
  return { ok: false, error: 'bad-signature' };
}

function header(h: HeaderBag, name: string): string | undefined {
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const bag = h as Record<string, string | string[] | undefined>;
  let v = bag[name];
  if (v === undefined) {
    for (const k of Object.keys(bag)) if (k.toLowerCase() === name) v = bag[k];
  }
  return Array.isArray(v) ? v[0] : v;
}
