/**
 * Writing a SIP message to bytes (RFC 3261 §7). One line per header entry, in list order, with the
 * canonical names the `Headers` list already holds (multi-value headers are not comma-joined: a
 * list of Via entries becomes that many `Via:` lines, which every parser reads as the same list).
 * `Content-Length` is always written and always equals the body length: at the position of the
 * first Content-Length entry if there is one, otherwise last. CR and LF inside a value are
 * replaced by spaces so a value can never inject a header line. Line ends are CRLF.
 */
import type { SipMessage } from './message.js';
import { formatUri } from './parse/uri.js';

function clean(v: string): string {
  return v.indexOf('\r') < 0 && v.indexOf('\n') < 0 ? v : v.replace(/[\r\n]/g, ' ');
}

export function serializeMessage(msg: SipMessage): Buffer {
  let head =
    msg.kind === 'request'
      ? msg.method + ' ' + formatUri(msg.uri) + ' ' + msg.version + '\r\n'
      : msg.version + ' ' + msg.status + ' ' + clean(msg.reason) + '\r\n';
  let wroteLength = false;
  for (const e of msg.headers.list()) {
    if (e.name === 'Content-Length') {
      if (wroteLength) continue;
      head += 'Content-Length: ' + msg.body.length + '\r\n';
      wroteLength = true;
      continue;
    }
    head += e.name + ': ' + clean(e.value) + '\r\n';
  }
  if (!wroteLength) head += 'Content-Length: ' + msg.body.length + '\r\n';
  head += '\r\n';
  const headLen = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLen + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLen);
  return out;
}
