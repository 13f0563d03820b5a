/** The newest bytes of an instance's console, as EC2's GetConsoleOutput keeps them (64 KiB). */
const CONSOLE_LOG_BYTES = 64 * 1024;

export class ConsoleLog {
  readonly #capacity: number;
  #buffer: Uint8Array;
  #length = 0;

  constructor(capacity = CONSOLE_LOG_BYTES) {
    this.#capacity = capacity;
    this.#buffer = new Uint8Array(capacity);
  }

  append(bytes: Uint8Array): void {
    if (bytes.length >= this.#capacity) {
      this.#buffer.set(bytes.subarray(bytes.length - this.#capacity));
      this.#length = this.#capacity;
      return;
    }
    const overflow = this.#length + bytes.length - this.#capacity;
    if (overflow > 0) {
      this.#buffer.copyWithin(0, overflow, this.#length);
      this.#length -= overflow;
    }
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
