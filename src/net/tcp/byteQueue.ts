/**
 * A queue of bytes kept as the chunks they were written in, so writing and acknowledging never
 * copy the whole buffer: only the bytes of one segment are copied out when it is sent.
 */
export class ByteQueue {
  readonly #chunks: Uint8Array[] = [];
  /** Bytes of the first chunk already dropped. */
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }

  /** A copy of `length` bytes from `offset` (fewer when the queue is shorter). */
  peek(offset: number, length: number): Uint8Array {
    const end = Math.min(this.#length, offset + length);
    const out = new Uint8Array(Math.max(0, end - offset));
    let position = -this.#head;
    let written = 0;
    for (const chunk of this.#chunks) {
      const chunkEnd = position + chunk.length;
      if (chunkEnd > offset && position < end) {
        const from = Math.max(offset, position) - position;
        const to = Math.min(end, chunkEnd) - position;
        out.set(chunk.subarray(from, to), written);
        written += to - from;
      }
      if (chunkEnd >= end) break;
      position = chunkEnd;
    }
    return out;
  }

  /** Removes the first `count` bytes. */
  drop(count: number): void {
    let left = Math.min(count, this.#length);
    this.#length -= left;
    while (left > 0) {
      const first = this.#chunks[0];
      if (!first) break;
      const available = first.length - this.#head;
      if (left < available) {
        this.#head += left;
        return;
      }
      left -= available;
      this.#chunks.shift();
      this.#head = 0;
    }
  }

  /** Removes and returns everything, as one array. */
  takeAll(): Uint8Array {
    const all = this.peek(0, this.#length);
    this.drop(this.#length);
    return all;
  }
}
