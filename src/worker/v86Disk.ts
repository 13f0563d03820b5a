/**
 * Presents a BlockOverlay to v86 as a hard disk. v86 takes any object with get/set/load as a
 * drive's buffer (its own buffers have the same method names, and they survive its
 * minification); this one keeps the guest's writes in the overlay, and its state in a saved
 * emulator state is just the written blocks, never the base image.
 * The v86 version is pinned: tests/integration cover this seam.
 */
import { BlockOverlay, type WrittenBlocks } from "../disk/blockOverlay.ts";
import type { LazyChunks } from "./lazyChunks.ts";

const STATE_VERSION = 1;

export class V86Disk {
  readonly overlay: BlockOverlay;
  byteLength: number;
  onload: ((event: object) => void) | undefined;
  onprogress: ((event: object) => void) | undefined;

  /** The base's chunks still to fetch, for a lazily loaded image; null when the base is all in memory. */
  readonly #lazy: LazyChunks | null;

  constructor(overlay: BlockOverlay, lazy: LazyChunks | null = null) {
    this.overlay = overlay;
    this.byteLength = overlay.sizeBytes;
    this.#lazy = lazy;
  }

  /** Runs then() once the base holds every chunk the range touches: at once when it does already. */
  #whenPresent(start: number, length: number, then: () => void): void {
    const missing = this.#lazy?.missing(start, length) ?? [];
    if (missing.length === 0) return then();
    void this.#lazy?.ensure(missing).then(then);
  }

  load(): void {
    this.onload?.({});
  }

  get(start: number, length: number, done: (bytes: Uint8Array) => void): void {
    this.#whenPresent(start, length, () => done(this.overlay.read(start, length)));
  }

  get_and_cache(start: number, length: number, done: (bytes: Uint8Array) => void): void {
    this.get(start, length, done);
  }

  get_from_cache(start: number, length: number): Uint8Array {
    return this.overlay.read(start, length);
  }

  /** A write of part of a block keeps the rest of it from the base, which must be there first. */
  set(start: number, bytes: Uint8Array, done: () => void): void {
    this.#whenPresent(start, bytes.byteLength, () => {
      this.overlay.write(start, bytes);
      done();
    });
  }

  /** Stops asking for chunks: the emulator is gone. */
  close(): void {
    this.#lazy?.close();
  }

  /** v86 asks for a whole-disk copy only to export it; this disk has none to give. */
  get_buffer(done: (buffer?: ArrayBuffer) => void): void {
    done(undefined);
  }

  /** What a saved emulator state holds of the disk: the written blocks only. */
  get_state(): unknown[] {
    return [STATE_VERSION, this.overlay.blockBytes, [...this.overlay.writtenBlocks]];
  }

  set_state(state: unknown[]): void {
    const [version, blockBytes, blocks] = state;
    if (version !== STATE_VERSION || blockBytes !== this.overlay.blockBytes || !Array.isArray(blocks)) {
      throw new Error("The saved state's disk does not match this volume.");
    }
    this.overlay.restore(new Map(blocks as [number, Uint8Array][]) satisfies WrittenBlocks);
  }
}
