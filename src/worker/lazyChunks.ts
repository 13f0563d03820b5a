/**
 * The worker's side of a lazily loaded disk image: which chunks of the base are in memory, and
 * asking the page for the others. A read waits for its chunks; the guest's disk controller sees
 * a slow disk, not a wrong one. Requests for a chunk already asked for join the first.
 */
import type { ChunkPort, ChunkReply, LazyBaseSpec } from "./api.ts";

/** When the page cannot supply a chunk (offline, say), asked again after this long; the page tells the person why. */
const RETRY_MS = 5_000;

export class LazyChunks {
  readonly #base: Uint8Array;
  readonly #chunkBytes: number;
  readonly #present: Uint8Array;
  readonly #port: ChunkPort;
  readonly #waiting = new Map<number, Promise<void>>();
  readonly #replies = new Map<number, (reply: ChunkReply) => void>();
  #nextId = 1;
  #closed = false;

  constructor(base: Uint8Array, spec: LazyBaseSpec) {
    this.#base = base;
    this.#chunkBytes = spec.chunkBytes;
    // Shared flags (the page's own) are read as they are: chunks the page loads for anyone count at once.
    this.#present = spec.present.buffer instanceof ArrayBuffer ? spec.present.slice() : spec.present;
    this.#port = spec.port;
    this.#port.onmessage = (event) => {
      const reply = event.data;
      this.#replies.get(reply.id)?.(reply);
      this.#replies.delete(reply.id);
    };
  }

  /** The chunks a byte range touches that are not in memory yet. */
  missing(start: number, length: number): number[] {
    const first = Math.floor(start / this.#chunkBytes);
    const last = Math.floor((start + Math.max(1, length) - 1) / this.#chunkBytes);
    const missing: number[] = [];
    for (let index = first; index <= last; index++) if (Atomics.load(this.#present, index) !== 1) missing.push(index);
    return missing;
  }

  /** Resolves once every chunk of the range is in the base. */
  async ensure(indexes: readonly number[]): Promise<void> {
    const asked = indexes.filter((index) => !this.#waiting.has(index));
    if (asked.length > 0) {
      const fetched = this.#fetch(asked);
      for (const index of asked) this.#waiting.set(index, fetched);
    }
    await Promise.all(indexes.map((index) => this.#waiting.get(index)));
  }

  close(): void {
    this.#closed = true;
    this.#port.onmessage = null;
    this.#port.close();
  }

  async #fetch(indexes: readonly number[]): Promise<void> {
    for (;;) {
      if (this.#closed) return new Promise(() => undefined);
      const reply = await this.#ask(indexes);
      if (reply.ok) {
        for (const [index, bytes] of reply.chunks) {
          this.#base.set(bytes, index * this.#chunkBytes);
          Atomics.store(this.#present, index, 1);
        }
        for (const index of indexes) this.#waiting.delete(index);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  #ask(indexes: readonly number[]): Promise<ChunkReply> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#replies.set(id, resolve);
      this.#port.postMessage({ id, indexes });
    });
  }
}
