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

export class BlockOverlay {
  readonly #base: Uint8Array;
  readonly #written: WrittenBlocks;
  readonly blockBytes: number;

  constructor(base: Uint8Array, written: WrittenBlocks = new Map(), blockBytes = OVERLAY_BLOCK_BYTES) {
    if (!Number.isInteger(blockBytes) || blockBytes <= 0 || base.byteLength % blockBytes !== 0) {
      throw new RangeError(`A ${base.byteLength}-byte disk cannot be cut into ${blockBytes}-byte blocks.`);
    }
    this.#base = base;
    this.blockBytes = blockBytes;
    this.#checkBlocks(written);
    this.#written = written;
  }

  /** Replaces what was written with blocks saved earlier (a resumed hibernation). */
  restore(written: WrittenBlocks): void {
    this.#checkBlocks(written);
    this.#written.clear();
    for (const [index, block] of written) this.#written.set(index, block);
  }

  get sizeBytes(): number {
    return this.#base.byteLength;
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
      else out.set(this.#base.subarray(position, position + count), done);
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
        block = this.#base.slice(start, start + this.blockBytes);
        this.#written.set(index, block);
      }
      block.set(data.subarray(done, done + count), within);
      done += count;
    }
  }

  #checkRange(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.#base.byteLength) {
      throw new RangeError(`Bytes ${offset}..${offset + length} are outside this ${this.#base.byteLength}-byte disk.`);
    }
  }

  #checkBlocks(written: WrittenBlocks): void {
    const blocks = this.#base.byteLength / this.blockBytes;
    for (const [index, block] of written) {
      if (!Number.isInteger(index) || index < 0 || index >= blocks || !(block instanceof Uint8Array) || block.byteLength !== this.blockBytes) {
        throw new RangeError(`Written block ${index} does not fit this ${this.#base.byteLength}-byte disk.`);
      }
    }
  }
}
