/**
 * PCM16 little-endian bytes that arrive in arbitrary pieces (an HTTP body, WebSocket messages)
 * → samples: an odd byte at the end of one piece is carried to the next.
 */
export class Pcm16Reader {
  private carry: Buffer | undefined;

  push(chunk: Buffer): Int16Array {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const even = bytes.length & ~1;
    this.carry = even < bytes.length ? Buffer.from(bytes.subarray(even)) : undefined;
    const out = new Int16Array(even >> 1);
    for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
    return out;
  }
}
