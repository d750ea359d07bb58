/**
 * What a streaming TTS socket delivers, turned into something an async generator can `await`:
 * socket callbacks `put` audio, `end` or `fail`; the generator takes items in arrival order and
 * waits when there are none. Nothing is dropped; after `end`/`fail` further calls are ignored.
 */
export class Arrivals<T> {
  private readonly items: T[] = [];
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  put(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.notify();
  }

  end(): void {
    this.done = true;
    this.notify();
  }

  fail(error: Error): void {
    if (this.done) return;
    this.error = error;
    this.done = true;
    this.notify();
  }

  get finished(): boolean {
    return this.done;
  }

  /** The next item, or undefined once ended; throws the failure (after the items that came before it). */
  async next(): Promise<T | undefined> {
    for (;;) {
      if (this.items.length) return this.items.shift();
      if (this.error) throw this.error;
      if (this.done) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
