/**
 * DTMF carried in SIP INFO bodies, the out-of-band alternative to RFC 4733:
 *  - `application/dtmf-relay` (Cisco style): `Signal=5\r\nDuration=160\r\n` (duration in ms);
 *  - `application/dtmf`: the digit alone (`5`).
 * Both parse into the same `DtmfEvent` as the RTP receiver, with `source: 'sip-info'`.
 *
 * Owns: body text ↔ event. It works on a content type and a body string, not on SIP messages:
 * `call/` takes them out of the INFO request (and builds the request for vgwActSendSIPInfo-style
 * use), so media stays ignorant of SIP.
 * Lenient where real devices differ: case-insensitive keys, `:` or `=`, LF or CRLF, Signal given
 * as an event code (10 = `*`, 11 = `#`), missing Duration (default 250 ms, as Cisco does).
 */
import { type Result, ok, err } from '../../result/index.js';
import { type DtmfDigit, type DtmfEvent, digitFromEventCode, isDtmfDigit } from './event.js';

export const DTMF_RELAY_CONTENT_TYPE = 'application/dtmf-relay';
export const DTMF_CONTENT_TYPE = 'application/dtmf';
export const DEFAULT_SIP_INFO_DURATION_MS = 250;

function parseSignal(value: string): DtmfDigit | null {
  const v = value.trim().toUpperCase();
  if (isDtmfDigit(v)) return v;
  if (/^\d{2}$/.test(v)) return digitFromEventCode(Number(v));
  return null;
}

/** The media type without parameters, lower-cased. */
function mediaType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/**
 * `Key=value` or `Key: value` → [key, value], trimmed. Linear on purpose: the regex it replaces,
 * /^\s*([A-Za-z-]+)\s*[=:]\s*(.*?)\s*$/, backtracked quadratically on a long run of spaces inside
 * the value (a 40 KB INFO body line blocked the event loop for 1.4 s; issue 14 fuzzing).
 */
function keyValue(line: string): [string, string] | null {
  const sep = line.search(/[=:]/);
  if (sep < 0) return null;
  const key = line.slice(0, sep).trim();
  if (!/^[A-Za-z-]+$/.test(key)) return null;
  return [key, line.slice(sep + 1).trim()];
}

export function parseSipInfoDtmf(contentType: string, body: string): Result<DtmfEvent> {
  const type = mediaType(contentType);
  if (type === DTMF_CONTENT_TYPE) {
    const digit = parseSignal(body);
    if (digit === null) return err('body is not a DTMF digit');
    return ok({ digit, durationMs: DEFAULT_SIP_INFO_DURATION_MS, volume: null, source: 'sip-info' });
  }
  if (type !== DTMF_RELAY_CONTENT_TYPE) return err('not a DTMF content type');
  let digit: DtmfDigit | null = null;
  let durationMs = DEFAULT_SIP_INFO_DURATION_MS;
  for (const line of body.split(/\r?\n/)) {
    const m = keyValue(line);
    if (!m) continue;
    const key = m[0].toLowerCase();
    if (key === 'signal') {
      digit = parseSignal(m[1]);
      if (digit === null) return err('Signal is not a DTMF digit');
    } else if (key === 'duration') {
      const n = Number(m[1]);
      if (!Number.isFinite(n) || n < 0 || n > 60000) return err('Duration is not a number of milliseconds');
      durationMs = Math.round(n);
    }
  }
  if (digit === null) return err('no Signal line');
  return ok({ digit, durationMs, volume: null, source: 'sip-info' });
}

export interface SipInfoBody {
  contentType: string;
  body: string;
}

/** Build an INFO body for a digit. `dtmf-relay` (default) carries the duration; `dtmf` does not. */
export function buildSipInfoDtmf(digit: string, durationMs = DEFAULT_SIP_INFO_DURATION_MS, kind: 'dtmf-relay' | 'dtmf' = 'dtmf-relay'): Result<SipInfoBody> {
  const d = digit.toUpperCase();
  if (!isDtmfDigit(d)) return err('not a DTMF digit');
  if (kind === 'dtmf') return ok({ contentType: DTMF_CONTENT_TYPE, body: d });
  const ms = Math.max(0, Math.round(durationMs));
  return ok({ contentType: DTMF_RELAY_CONTENT_TYPE, body: `Signal=${d}\r\nDuration=${ms}\r\n` });
}
