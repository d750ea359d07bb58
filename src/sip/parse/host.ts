/**
 * host = hostname / IPv4address / IPv6reference (RFC 3261 §25), and `hostport`. Shared by URIs
 * and Via. Hosts are returned lower-cased, IPv6 with its brackets.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { HOSTCHAR } from './chars.js';

/** Validate and normalise a host. Returns undefined if it is not a hostname, IPv4 address or [IPv6]. */
export function parseHost(text: string): string | undefined {
  const n = text.length;
  if (n === 0) return undefined;
  if (text.charCodeAt(0) === 0x5b) {
    if (text.charCodeAt(n - 1) !== 0x5d) return undefined;
    const inner = text.slice(1, n - 1);
    return isIPv6(inner) ? text.toLowerCase() : undefined;
  }
  let digitsAndDots = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 127 || HOSTCHAR[c] === 0) return undefined;
    if (!(c === 0x2e || (c >= 0x30 && c <= 0x39))) digitsAndDots = false;
  }
  if (digitsAndDots) return isIPv4(text) ? text : undefined;
  const first = text.charCodeAt(0);
  if (first === 0x2e || first === 0x2d) return undefined;
  if (text.includes('..')) return undefined;
  return text.toLowerCase();
}

/** A port: 1–5 digits, 0..65535. */
export function parsePort(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    v = v * 10 + (c - 0x30);
  }
  return v <= 65535 ? v : undefined;
}

/** hostport → { host, port }. The port separator is the first `:` after an IPv6 reference. */
export function parseHostPort(text: string): { host: string; port?: number } | undefined {
  let colon: number;
  if (text.charCodeAt(0) === 0x5b) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    colon = close + 1 < text.length ? close + 1 : -1;
    if (colon >= 0 && text.charCodeAt(colon) !== 0x3a) return undefined;
  } else colon = text.indexOf(':');
  const host = parseHost(colon < 0 ? text : text.slice(0, colon));
  if (host === undefined) return undefined;
  if (colon < 0) return { host };
  const port = parsePort(text.slice(colon + 1));
  return port === undefined ? undefined : { host, port };
}
