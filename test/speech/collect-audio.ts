/** A TTS stream gathered for a test: all its samples, when its first chunk came, how many chunks. */
export async function collectAudio(it: AsyncIterable<Int16Array>): Promise<{ audio: Int16Array; firstAt: number; chunks: number }> {
  const parts: Int16Array[] = [];
  let firstAt = 0;
  for await (const c of it) {
    if (!parts.length) firstAt = performance.now();
    parts.push(c.slice());
  }
  const audio = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((o, p) => (audio.set(p, o), o + p.length), 0);
  return { audio, firstAt, chunks: parts.length };
}
