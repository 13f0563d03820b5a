/**
 * A copy-on-write disk: reads fall through to a read-only base image unless the block was
 * written; written blocks are kept apart, so the base stays shared and unchanged and the
 * volume's own data is only what the guest wrote.
 *
 * Blocks are 4 KiB: the page size the guest kernel reads and writes through, and large enough
 * that a volume's record stays a few thousand entries for megabytes written.
 */
export const OVERLAY_BLOCK_BYTES = 4096;

export type WrittenBlocks = Map<number, Uint8Array>;

/** A deep copy: an overlay writes into its blocks in place, so a snapshot must not share them. */
export function copyBlocks(blocks: ReadonlyMap<number, Uint8Array>): WrittenBlocks {
  return new Map([...blocks].map(([index, block]) => [index, block.slice()]));
}

export class BlockOverlay {
  /** The image the volume started from, or null for an empty (all-zero) volume. */
  readonly #base: Uint8Array | null;
  readonly #sizeBytes: number;
  readonly #written: WrittenBlocks;
  /** Blocks written since the last takeDirty(): what the next flush must store. */
  #dirty = new Set<number>();
  readonly blockBytes: number;

  /** base: the image's bytes, or a size in bytes for a volume that starts as zeros. */
  constructor(base: Uint8Array | number, written: WrittenBlocks = new Map(), blockBytes = OVERLAY_BLOCK_BYTES) {
    const sizeBytes = typeof base === "number" ? base : base.byteLength;
    if (
      !Number.isInteger(blockBytes) ||
      blockBytes <= 0 ||
      !Number.isInteger(sizeBytes) ||
      sizeBytes <= 0 ||
      sizeBytes % blockBytes !== 0
    ) {
      throw new RangeError(`A ${sizeBytes}-byte disk cannot be cut into ${blockBytes}-byte blocks.`);
    }
    this.#base = typeof base === "number" ? null : base;
    this.#sizeBytes = sizeBytes;
    this.blockBytes = blockBytes;
    this.#checkBlocks(written);
    this.#written = written;
  }

  /** Replaces what was written with blocks saved earlier (a resumed hibernation); all of them are then unsaved. */
  restore(written: WrittenBlocks): void {
    this.#checkBlocks(written);
    this.#written.clear();
    for (const [index, block] of written) this.#written.set(index, block);
    this.#dirty = new Set(written.keys());
  }

  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  /**
   * Copies of the blocks written since the last call: the guest's disk as of this instant, for
   * a flush to store. Between two calls the guest can go on writing.
   */
  takeDirty(): WrittenBlocks {
    const taken: WrittenBlocks = new Map();
    for (const index of this.#dirty) {
      const block = this.#written.get(index);
      if (block) taken.set(index, block.slice());
    }
    this.#dirty = new Set();
    return taken;
  }

  /** A copy of every written block: a snapshot that later writes do not change. */
  snapshot(): WrittenBlocks {
    return copyBlocks(this.#written);
  }

  /** The blocks written so far, by index. The overlay keeps using them: copy before changing. */
  get writtenBlocks(): ReadonlyMap<number, Uint8Array> {
    return this.#written;
  }

  read(offset: number, length: number): Uint8Array {
    this.#checkRange(offset, length);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const position = offset + done;
      const index = Math.floor(position / this.blockBytes);
      const within = position - index * this.blockBytes;
      const count = Math.min(this.blockBytes - within, length - done);
      const block = this.#written.get(index);
      if (block) out.set(block.subarray(within, within + count), done);
      else if (this.#base) out.set(this.#base.subarray(position, position + count), done);
      done += count;
    }
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    this.#checkRange(offset, data.byteLength);
    let done = 0;
    while (done < data.byteLength) {
      const position = offset + done;
      const index = Math.floor(position / this.blockBytes);
      const within = position - index * this.blockBytes;
      const count = Math.min(this.blockBytes - within, data.byteLength - done);
      let block = this.#written.get(index);
      if (!block) {
        const start = index * this.blockBytes;
        block = this.#base ? this.#base.slice(start, start + this.blockBytes) : new Uint8Array(this.blockBytes);
        this.#written.set(index, block);
      }
      block.set(data.subarray(done, done + count), within);
      this.#dirty.add(index);
      done += count;
    }
  }

  #checkRange(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.#sizeBytes) {
      throw new RangeError(`Bytes ${offset}..${offset + length} are outside this ${this.#sizeBytes}-byte disk.`);
    }
  }

  #checkBlocks(written: WrittenBlocks): void {
    const blocks = this.#sizeBytes / this.blockBytes;
    for (const [index, block] of written) {
      if (
        !Number.isInteger(index) ||
        index < 0 ||
        index >= blocks ||
        !(block instanceof Uint8Array) ||
        block.byteLength !== this.blockBytes
      ) {
        throw new RangeError(`Written block ${index} does not fit this ${this.#sizeBytes}-byte disk.`);
      }
    }
  }
}
