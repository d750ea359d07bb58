/**
 * Result type shared by the media parsers (RTP, RTCP, telephone-event, SIP INFO bodies, pcap).
 * Media knows nothing of SIP, so it keeps its own copy of the errors-as-values convention
 * instead of importing the one in `sip/message.ts`.
 */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E = string>(error: E): { ok: false; error: E } => ({ ok: false, error });
