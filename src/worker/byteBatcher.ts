/**
 * Gathers bytes the emulator emits one at a time and hands them on in batches: one batch per
 * emulator slice at most, so a busy console costs a message per slice, never one per byte.
 */
export class ByteBatcher {
  readonly #sink: (bytes: Uint8Array) => void;
  readonly #maxBytes: number;
  readonly #delayMs: number;
  #buffer: Uint8Array;
  #length = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(sink: (bytes: Uint8Array) => void, options: { maxBytes?: number; delayMs?: number } = {}) {
    this.#sink = sink;
    this.#maxBytes = options.maxBytes ?? 64 * 1024;
    this.#delayMs = options.delayMs ?? 1;
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
    this.#timer ??= setTimeout(() => this.flush(), this.#delayMs);
  }

  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#length === 0) return;
    const batch = this.#buffer.slice(0, this.#length);
    this.#length = 0;
    this.#sink(batch);
  }

  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#length = 0;
  }
}
