/**
 * Errors as values, the one convention the whole gateway uses: a parser, a socket binder or an
 * outbound request returns `Result` instead of throwing into the event loop (bad input is normal
 * input). At the bottom of the layer map: every module may import it, it imports nothing.
 */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E = string>(error: E): { ok: false; error: E } => ({ ok: false, error });
