/** Our own SDP offer (late-offer answers, outgoing calls): PCMU, PCMA and telephone-event at 20 ms. */
import type { LocalMediaOffer } from './negotiate.js';

export function buildOffer(local: LocalMediaOffer, extraAttributes: string[] = []): string {
  const addrType = local.address.includes(':') ? 'IP6' : 'IP4';
  const pts = local.codecs.map((c) => (c === 'PCMU' ? 0 : 8));
  const proto = extraAttributes.some((a) => a.startsWith('a=crypto:')) ? 'RTP/SAVP' : 'RTP/AVP';
  return [
    'v=0',
    `o=hushgate ${local.sessionId} ${local.sessionVersion} IN ${addrType} ${local.address}`,
    's=Hushgate',
    `c=IN ${addrType} ${local.address}`,
    't=0 0',
    `m=audio ${local.port} ${proto} ${[...pts, ...(local.telephoneEvent ? [101] : [])].join(' ')}`,
    ...local.codecs.map((c) => `a=rtpmap:${c === 'PCMU' ? 0 : 8} ${c}/8000`),
    ...(local.telephoneEvent ? ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16'] : []),
    `a=ptime:${local.ptime ?? 20}`,
    ...extraAttributes,
    `a=${local.localDirection ?? 'sendrecv'}`,
    '',
  ].join('\r\n');
}
