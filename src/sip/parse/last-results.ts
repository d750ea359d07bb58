/**
 * A parse whose last few results are kept by input text (name-addr.ts, via.ts): one message's
 * header value is parsed again by every layer that reads it — the checks, the transaction key,
 * the UA core, the dialog — and each parse built Maps and slices (bench/sip-cps heap profile).
 * Results are shared between callers, so they are read-only. Cleared when full: the repeats come
 * within one message's handling, and the bound keeps at most `size` values (and their text) alive.
 */
export function lastResults<T>(parse: (text: string) => T, size = 64): (text: string) => T {
  const memo = new Map<string, T>();
  return (text) => {
    let r = memo.get(text);
    if (r !== undefined) return r;
    if (memo.size >= size) memo.clear();
    r = parse(text);
    memo.set(text, r);
    return r;
  };
}
