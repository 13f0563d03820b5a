/**
 * A chunked image file in memory (manifest.ts, ChunkedImageFile): one buffer of the file's full
 * size that every worker reads, filled chunk by chunk as emulators ask for chunks or as the
 * whole file is made available offline. A chunk goes into the buffer only once it verified.
 */
import { fail, ok, type Result } from "../shared/errors.ts";
import type { ImageBytes } from "../shared/sharedBytes.ts";
import type { ChunkedImageFile } from "./manifest.ts";

/** Reads or downloads one chunk and verifies it; the repository knows where chunks are kept. */
export type ChunkLoader = (index: number) => Promise<Result<Uint8Array>>;

export interface ChunkProgress {
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

/** How many chunks are fetched at once: enough to keep a connection busy, few enough to stop soon on an error. */
const PARALLEL_CHUNKS = 6;

export class ChunkedFile {
  readonly file: ChunkedImageFile;
  /** The file's bytes; a chunk not fetched yet reads as zeros. Shared with the workers where the page may. */
  readonly bytes: ImageBytes;
  readonly #view: Uint8Array;
  /** Per chunk, 1 once it is in bytes (all-zero chunks from the start). */
  readonly #present: Uint8Array;
  readonly #load: ChunkLoader;
  readonly #loading = new Map<number, Promise<Result<void>>>();

  constructor(file: ChunkedImageFile, bytes: ImageBytes, load: ChunkLoader) {
    this.file = file;
    this.bytes = bytes;
    this.#view = new Uint8Array(bytes);
    // Shared with the workers when the bytes are: a chunk loaded for one emulator is then there for all, with no request.
    this.#present = new Uint8Array(
      bytes instanceof ArrayBuffer ? new ArrayBuffer(file.chunks.length) : new SharedArrayBuffer(file.chunks.length),
    );
    file.chunks.forEach((chunk, index) => void (chunk === null && (this.#present[index] = 1)));
    this.#load = load;
  }

  /** Which chunks are in memory: the shared flags themselves where the bytes are shared, else a copy. */
  present(): Uint8Array {
    return this.#present.buffer instanceof ArrayBuffer ? this.#present.slice() : this.#present;
  }

  get complete(): boolean {
    return this.#present.every((flag) => flag === 1);
  }

  /**
   * The chunk's bytes, loading it first when needed. A chunk that had to be loaded starts the
   * next one loading too: a guest reading a file reads on into the next chunk more often than
   * not, and it then waits for no round trip.
   */
  async chunk(index: number): Promise<Result<Uint8Array>> {
    if (!Number.isInteger(index) || index < 0 || index >= this.file.chunks.length)
      return fail("InvalidParameterValue", `The image file ${this.file.path} has no chunk ${index}.`);
    if (this.#present[index] !== 1 && index + 1 < this.file.chunks.length) void this.#ensure(index + 1);
    const loaded = await this.#ensure(index);
    if (!loaded.ok) return loaded;
    const start = index * this.file.chunkBytes;
    return ok(this.#view.slice(start, Math.min(this.file.sizeBytes, start + this.file.chunkBytes)));
  }

  /** Starts loading the chunks a boot reads first, a few at a time, so the guest finds them there. */
  prefetch(indexes: readonly number[]): void {
    const queue = indexes.filter((index) => this.#present[index] !== 1);
    const worker = async () => {
      for (let index = queue.shift(); index !== undefined; index = queue.shift()) await this.#ensure(index);
    };
    for (let i = 0; i < PARALLEL_CHUNKS; i++) void worker();
  }

  /** Loads every chunk not in memory yet, a few at a time, with progress in served bytes. */
  async ensureAll(onProgress?: (progress: ChunkProgress) => void, signal?: AbortSignal): Promise<Result<void>> {
    const totalBytes = this.file.encodedSizeBytes;
    let loadedBytes = this.file.chunks.reduce((sum, chunk, index) => sum + (chunk && this.#present[index] ? chunk.encodedSizeBytes : 0), 0);
    onProgress?.({ loadedBytes, totalBytes });
    const queue = this.file.chunks.flatMap((chunk, index) => (chunk && !this.#present[index] ? [index] : []));
    let failure: Result<void> | null = null;
    const worker = async () => {
      for (let index = queue.shift(); index !== undefined && !failure; index = queue.shift()) {
        if (signal?.aborted) {
          failure = fail("DownloadCancelled", "The download was cancelled. The chunks already verified are kept.");
          return;
        }
        const loaded = await this.#ensure(index);
        if (!loaded.ok) failure = loaded;
        else {
          loadedBytes += this.file.chunks[index]?.encodedSizeBytes ?? 0;
          onProgress?.({ loadedBytes, totalBytes });
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_CHUNKS }, worker));
    return failure ?? ok(undefined);
  }

  #ensure(index: number): Promise<Result<void>> {
    if (this.#present[index] === 1) return Promise.resolve(ok(undefined));
    let pending = this.#loading.get(index);
    if (!pending) {
      pending = this.#load(index).then((loaded) => {
        this.#loading.delete(index);
        if (!loaded.ok) return loaded;
        this.#view.set(loaded.value, index * this.file.chunkBytes);
        // After the bytes: a worker that sees the flag reads them.
        Atomics.store(this.#present, index, 1);
        return ok(undefined);
      });
      this.#loading.set(index, pending);
    }
    return pending;
  }
}
