/**
 * One sentence's audio as it is synthesised: the synthesiser pushes chunks and finishes; one
 * reader takes them in order, waiting while the next is not made yet.
 */
export class SentenceAudio {
  private readonly chunks: Int16Array[] = [];
  private error?: Error;
  private wake?: () => void;
  done = false;

  push(chunk: Int16Array): void {
    if (this.done || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.notify();
  }

  /** No more audio (after a last chunk, if given); an error ends the reader with it. */
  finish(error?: Error, last?: Int16Array): void {
    if (this.done) return;
    if (last) this.push(last);
    this.error = error;
    this.done = true;
    this.notify();
  }

  async *read(): AsyncGenerator<Int16Array> {
    for (;;) {
      const c = this.chunks.shift();
      if (c) {
        yield c;
        continue;
      }
      if (this.done) {
        if (this.error) throw this.error;
        return;
      }
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
