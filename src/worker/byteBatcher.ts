/**
 * Gathers bytes the emulator emits one at a time and hands them on in batches. The emulator
 * emits them synchronously inside one slice of its main loop; the batch goes out in a
 * microtask right after that slice, so a busy console costs a message per slice, never one
 * per byte, and a single echoed key waits for no timer.
 */
export class ByteBatcher {
  readonly #sink: (bytes: Uint8Array<ArrayBuffer>) => void;
  readonly #maxBytes: number;
  #buffer: Uint8Array<ArrayBuffer>;
  #length = 0;
  #scheduled = false;
  #disposed = false;

  constructor(sink: (bytes: Uint8Array<ArrayBuffer>) => void, options: { maxBytes?: number } = {}) {
    this.#sink = sink;
    this.#maxBytes = options.maxBytes ?? 64 * 1024;
    this.#buffer = new Uint8Array(Math.min(4096, this.#maxBytes));
  }

  push(byte: number): void {
    if (this.#length === this.#buffer.length) {
      if (this.#length >= this.#maxBytes) this.flush();
      else {
        const grown = new Uint8Array(Math.min(this.#buffer.length * 2, this.#maxBytes));
        grown.set(this.#buffer);
        this.#buffer = grown;
      }
    }
    this.#buffer[this.#length++] = byte;
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.#length === 0 || this.#disposed) return;
    const batch = this.#buffer.slice(0, this.#length);
    this.#length = 0;
    this.#sink(batch);
  }

  dispose(): void {
    this.#disposed = true;
    this.#length = 0;
  }
}
