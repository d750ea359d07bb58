/**
 * `scrubForLogs(text)`: the scrubber the logger installs (`setLogScrubber(scrubForLogs)`), for
 * invariant I1. It masks every entity the detector finds (`[TYPE]`) and then, because log lines
 * also carry machine text the speech-oriented detector does not read (SIP URIs such as
 * `sip:+442079460958@10.0.0.1`, JSON blobs), any remaining run of 7 or more digits and any
 * remaining e-mail address. Short numbers (ports, counts, durations) stay readable.
 */
import { detect } from './detect.js';
import { applyRedaction } from './redact.js';

const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const LONG_DIGITS_RE = /\+?\d(?:[\s().\-/]?\d){6,}/g;
const MAX_SCAN = 64 * 1024;

export function scrubForLogs(text: string): string {
  if (text.length === 0) return text;
  // very long strings (stack traces, payload dumps) are scrubbed in pieces so cost stays linear
  if (text.length > MAX_SCAN) {
    let out = '';
    for (let i = 0; i < text.length; i += MAX_SCAN) out += scrubForLogs(text.slice(i, i + MAX_SCAN));
    return out;
  }
  let out = applyRedaction(text, detect(text), 'mask');
  if (out.indexOf('@') >= 0) out = out.replace(EMAIL_RE, '[EMAIL]');
  return out.replace(LONG_DIGITS_RE, '[NUMBER]');
}
