/**
 * The one poll-until for tests that watch something they cannot be told about: another process, a
 * real socket, a database written by another connection. `fn` is called until it returns a value
 * other than `undefined`, `null` or `false`, which `waitFor` resolves with; an error thrown by `fn`
 * fails the wait at once (catch inside `fn` what means "not yet", e.g. a server still starting).
 * Past `timeoutMs` it rejects naming `what`. Polls quickly at first (5 ms), backing off to 100 ms,
 * so a fast event costs no time.
 *
 * Not for proving that something did *not* happen: wait for the event that settles it instead
 * (`MemoryNetwork.settle()`, a `FakeClock` advanced past the deadline, a process's exit).
 */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 15_000): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  let step = 5;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v as Exclude<T, undefined | null | false>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, Math.min(step, Math.max(1, deadline - Date.now()))));
    step = Math.min(100, step * 1.5);
  }
}
