/**
 * Request signing for outbound webhooks (the SOE dialog webhook, and the event webhook sink uses the
 * same scheme): `X-Hushgate-Timestamp: <unix seconds>` and
 * `X-Hushgate-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.
 * The receiver recomputes the HMAC over the exact bytes it got and rejects stale timestamps.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Hushgate-Timestamp';
export const SIGNATURE_HEADER = 'X-Hushgate-Signature';

export function signatureHex(secret: string, timestamp: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(timestamp).update('.').update(body).digest('hex');
}

/** Headers to add to a request whose body is `body`, signed at `nowMs`. */
export function signRequest(secret: string, body: string | Buffer, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `v1=${signatureHex(secret, timestamp, body)}` };
}

export type SignatureCheck = { ok: true } | { ok: false; error: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * Verify a signed request (for receivers and tests). Accepts a header holding several
 * comma-separated `v1=` values, so a sender can sign with an old and a new secret while rotating.
 */
export function verifySignature(
  secret: string,
  body: string | Buffer,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  nowMs: number,
  toleranceSeconds = 300,
): SignatureCheck {
  if (!timestampHeader || !signatureHeader) return { ok: false, error: 'missing' };
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, error: 'malformed' };
  if (Math.abs(nowMs / 1000 - Number(timestampHeader)) > toleranceSeconds) return { ok: false, error: 'stale' };
  const expected = Buffer.from(signatureHex(secret, timestampHeader, body), 'hex');
  const candidates = signatureHeader.split(',').map((s) => s.trim()).filter((s) => s.startsWith('v1='));
  if (!candidates.length) return { ok: false, error: 'malformed' };
  for (const c of candidates) {
    const hex = c.slice(3);
    if (!/^[0-9a-f]{64}$/i.test(hex)) continue;
    if (timingSafeEqual(Buffer.from(hex, 'hex'), expected)) return { ok: true };
  }
  return { ok: false, error: 'mismatch' };
}
