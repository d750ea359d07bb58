/**
 * SDP parser and serializer. Lenient about what peers commonly get wrong (LF-only line ends,
 * trailing whitespace, unknown line types) and strict about what we need to negotiate
 * (`v=`, `o=`, `m=` syntax, ports, connection addresses). Returns errors as values.
 */
import type { Result } from '../result/index.js';
import type { SessionDescription, SdpMedia, SdpConnection, SdpAttribute, Rtpmap, Direction } from './types.js';

/** SDP parse outcomes: the gateway's one `Result` with a message as the error. */
export type SdpResult<T> = Result<T>;

export function parseSdp(text: string): SdpResult<SessionDescription> {
  const lines = text.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.length > 0);
  if (lines.length === 0) return { ok: false, error: 'empty SDP' };
  const sd: SessionDescription = {
    version: -1,
    origin: { username: '-', sessionId: '0', sessionVersion: '0', netType: 'IN', addrType: 'IP4', address: '0.0.0.0' },
    sessionName: '-',
    bandwidths: [],
    timing: [],
    attributes: [],
    other: [],
    media: [],
  };
  let media: SdpMedia | undefined;
  let sawOrigin = false;
  for (const [i, line] of lines.entries()) {
    if (line.length < 2 || line[1] !== '=') return { ok: false, error: `line ${i + 1}: expected "<type>=<value>"` };
    const type = line[0]!;
    const value = line.slice(2);
    switch (type) {
      case 'v':
        if (value !== '0') return { ok: false, error: `unsupported SDP version "${value}"` };
        sd.version = 0;
        break;
      case 'o': {
        const p = value.split(/\s+/);
        if (p.length !== 6) return { ok: false, error: 'o= line must have 6 fields' };
        sd.origin = { username: p[0]!, sessionId: p[1]!, sessionVersion: p[2]!, netType: p[3]!, addrType: p[4]!, address: p[5]! };
        sawOrigin = true;
        break;
      }
      case 's':
        sd.sessionName = value;
        break;
      case 'c': {
        const c = parseConnection(value);
        if (!c.ok) return { ok: false, error: `line ${i + 1}: ${c.error}` };
        if (media) media.connection = c.value;
        else sd.connection = c.value;
        break;
      }
      case 'b':
        (media ? media.bandwidths : sd.bandwidths).push(value);
        break;
      case 't':
        sd.timing.push(value);
        break;
      case 'm': {
        const m = /^(\S+) (\d+)(?:\/(\d+))? (\S+)((?: \S+)*)$/.exec(value.replace(/\s+/g, ' '));
        if (!m) return { ok: false, error: `line ${i + 1}: malformed m= line` };
        const port = Number(m[2]);
        if (port > 65535) return { ok: false, error: `line ${i + 1}: port out of range` };
        media = {
          type: m[1]!,
          port,
          portCount: m[3] ? Number(m[3]) : undefined,
          proto: m[4]!,
          formats: m[5]!.trim().split(' ').filter(Boolean),
          bandwidths: [],
          attributes: [],
          other: [],
        };
        sd.media.push(media);
        break;
      }
      case 'a': {
        const colon = value.indexOf(':');
        const attr: SdpAttribute = colon < 0 ? { name: value, value: null } : { name: value.slice(0, colon), value: value.slice(colon + 1) };
        (media ? media.attributes : sd.attributes).push(attr);
        break;
      }
      default:
        (media ? media.other : sd.other).push(line);
    }
  }
  if (sd.version !== 0) return { ok: false, error: 'missing v= line' };
  if (!sawOrigin) return { ok: false, error: 'missing o= line' };
  return { ok: true, value: sd };
}

function parseConnection(value: string): SdpResult<SdpConnection> {
  const p = value.trim().split(/\s+/);
  if (p.length !== 3 || p[0] !== 'IN' || (p[1] !== 'IP4' && p[1] !== 'IP6')) return { ok: false, error: 'malformed c= line' };
  return { ok: true, value: { netType: p[0], addrType: p[1], address: p[2]!.split('/')[0]! } };
}

export function serializeSdp(sd: SessionDescription): string {
  const out: string[] = [];
  const o = sd.origin;
  out.push('v=0', `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`, `s=${sd.sessionName || '-'}`);
  for (const l of sd.other) out.push(l);
  if (sd.connection) out.push(`c=${sd.connection.netType} ${sd.connection.addrType} ${sd.connection.address}`);
  for (const b of sd.bandwidths) out.push(`b=${b}`);
  for (const t of sd.timing.length ? sd.timing : ['0 0']) out.push(`t=${t}`);
  for (const a of sd.attributes) out.push(a.value === null ? `a=${a.name}` : `a=${a.name}:${a.value}`);
  for (const m of sd.media) {
    out.push(`m=${m.type} ${m.port}${m.portCount ? '/' + m.portCount : ''} ${m.proto} ${m.formats.join(' ')}`);
    for (const l of m.other) out.push(l);
    if (m.connection) out.push(`c=${m.connection.netType} ${m.connection.addrType} ${m.connection.address}`);
    for (const b of m.bandwidths) out.push(`b=${b}`);
    for (const a of m.attributes) out.push(a.value === null ? `a=${a.name}` : `a=${a.name}:${a.value}`);
  }
  return out.join('\r\n') + '\r\n';
}

/** Static payload types we know without an rtpmap (RFC 3551). */
const STATIC_PT: Record<number, Rtpmap> = {
  0: { pt: 0, encoding: 'PCMU', clockRate: 8000 },
  8: { pt: 8, encoding: 'PCMA', clockRate: 8000 },
  9: { pt: 9, encoding: 'G722', clockRate: 8000 },
  18: { pt: 18, encoding: 'G729', clockRate: 8000 },
};

export function rtpmaps(m: SdpMedia): Map<number, Rtpmap> {
  const map = new Map<number, Rtpmap>();
  for (const f of m.formats) {
    const pt = Number(f);
    if (Number.isInteger(pt) && STATIC_PT[pt]) map.set(pt, STATIC_PT[pt]!);
  }
  for (const a of m.attributes) {
    if (a.name !== 'rtpmap' || !a.value) continue;
    const r = /^(\d+)\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(a.value);
    if (!r) continue;
    map.set(Number(r[1]), { pt: Number(r[1]), encoding: r[2]!, clockRate: Number(r[3]), channels: r[4] ? Number(r[4]) : undefined });
  }
  return map;
}

export function attr(attrs: SdpAttribute[], name: string): string | null | undefined {
  const a = attrs.find((x) => x.name === name);
  return a ? a.value : undefined;
}

export function direction(sd: SessionDescription, m: SdpMedia): Direction {
  for (const list of [m.attributes, sd.attributes]) {
    for (const a of list) if (a.name === 'sendrecv' || a.name === 'sendonly' || a.name === 'recvonly' || a.name === 'inactive') return a.name;
  }
  return 'sendrecv';
}
