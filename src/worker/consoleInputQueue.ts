/**
 * Console input waiting for the guest's serial port, handed over only as fast as the guest
 * drains it.
 *
 * v86's UART keeps whatever it is given in an unbounded receive buffer and holds its interrupt
 * line up until that buffer is empty. Linux's 8250 interrupt handler reads at most 256 bytes per
 * pass and gives up after 512 passes (131,072 bytes), expecting the line to fall and rise again;
 * the line is edge-triggered, so if it never falls the guest never hears from that port again.
 * Handing over a small batch only once the guest has read the previous one keeps every batch
 * well inside one run of the handler, so the line falls between batches and nothing is lost.
 */

/**
 * Bytes handed to the UART at once: a few passes of the guest's handler, far below its 131,072
 * byte limit. At most one batch goes over per slice of the emulator (about a millisecond), and
 * a megabyte still arrives in about 6 s (tests/integration/consoleInput.test.ts).
 */
export const UART_BATCH_BYTES = 1024;

export class ConsoleInputQueue {
  readonly #batchBytes: number;
  #chunks: Uint8Array[] = [];
  /** How much of the first chunk has been handed over already. */
  #offset = 0;
  #pendingBytes = 0;

  constructor(batchBytes = UART_BATCH_BYTES) {
    if (!Number.isInteger(batchBytes) || batchBytes < 1) throw new RangeError(`a batch of ${batchBytes} bytes is not possible`);
    this.#batchBytes = batchBytes;
  }

  /** Bytes not yet handed to the UART. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  push(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.#chunks.push(bytes);
    this.#pendingBytes += bytes.byteLength;
  }

  /**
   * The next batch for the UART, in order, once it holds none of the previous batch
   * (uartHeldBytes: what its receive buffer still holds); null while it must wait.
   */
  next(uartHeldBytes: number): Uint8Array | null {
    if (uartHeldBytes > 0 || this.#pendingBytes === 0) return null;
    const batch = new Uint8Array(Math.min(this.#batchBytes, this.#pendingBytes));
    let filled = 0;
    while (filled < batch.byteLength) {
      const chunk = this.#chunks[0];
      if (!chunk) break;
      const taken = chunk.subarray(this.#offset, this.#offset + batch.byteLength - filled);
      batch.set(taken, filled);
      filled += taken.byteLength;
      this.#offset += taken.byteLength;
      if (this.#offset === chunk.byteLength) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    this.#pendingBytes -= filled;
    return batch;
  }

  /** Drops what is waiting: the emulator it was meant for has stopped. */
  clear(): void {
    this.#chunks = [];
    this.#offset = 0;
    this.#pendingBytes = 0;
  }
}
