/**
 * Random bytes for new RTP sessions (SSRC, first sequence number and timestamp, CNAME — RFC 3550
 * §5.1, §6.5.1, RFC 7022), taken from a reserve filled by the CSPRNG a few kilobytes at a time.
 * Two `randomBytes` calls per call set-up were two trips into OpenSSL and two buffers (issue 19,
 * call set-up); now one fill serves ~200 sessions. Every byte is handed out once, never reused.
 */
import { randomFillSync } from 'node:crypto';

const RESERVE = 4096;
const reserve = Buffer.allocUnsafeSlow(RESERVE);
let used = RESERVE;

/** `n` (≤ 4,096) fresh random bytes, valid until the next call (read them at once). */
export function sessionRandom(n: number): Buffer {
  if (n > RESERVE) throw new RangeError('sessionRandom: at most 4096 bytes');
  if (used + n > RESERVE) {
    randomFillSync(reserve);
    used = 0;
  }
  const out = reserve.subarray(used, used + n);
  used += n;
  return out;
}
