/**
 * A block set: a disk image's non-zero blocks and nothing else, the compact form the lab serves
 * formatted empty volumes in (an empty 1 GiB ext4 file system has about 150 such blocks).
 * Layout: "TCBLOCKS", u32 block size, u32 count, then per block u32 index and its bytes
 * (little-endian).
 */
import type { WrittenBlocks } from "./blockOverlay.ts";

const MAGIC = "TCBLOCKS";
const HEADER_BYTES = MAGIC.length + 8;

export function encodeBlockSet(disk: Uint8Array, blockBytes: number): Uint8Array {
  const indices: number[] = [];
  for (let index = 0; index * blockBytes < disk.byteLength; index++) {
    if (disk.subarray(index * blockBytes, (index + 1) * blockBytes).some((byte) => byte !== 0)) indices.push(index);
  }
  const out = new Uint8Array(HEADER_BYTES + indices.length * (4 + blockBytes));
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC));
  view.setUint32(MAGIC.length, blockBytes, true);
  view.setUint32(MAGIC.length + 4, indices.length, true);
  let at = HEADER_BYTES;
  for (const index of indices) {
    view.setUint32(at, index, true);
    out.set(disk.subarray(index * blockBytes, (index + 1) * blockBytes), at + 4);
    at += 4 + blockBytes;
  }
  return out;
}

/** The blocks of a block set; throws a RangeError naming what is wrong with a damaged one. */
export function decodeBlockSet(bytes: Uint8Array, blockBytes: number): WrittenBlocks {
  if (bytes.byteLength < HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new RangeError("This is not a block set (its header is missing).");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(MAGIC.length, true) !== blockBytes) throw new RangeError(`The block set's blocks are not ${blockBytes} bytes.`);
  const count = view.getUint32(MAGIC.length + 4, true);
  if (bytes.byteLength !== HEADER_BYTES + count * (4 + blockBytes))
    throw new RangeError("The block set is truncated or has bytes after its end.");
  const blocks: WrittenBlocks = new Map();
  for (let i = 0, at = HEADER_BYTES; i < count; i++, at += 4 + blockBytes) {
    blocks.set(view.getUint32(at, true), bytes.slice(at + 4, at + 4 + blockBytes));
  }
  return blocks;
}
