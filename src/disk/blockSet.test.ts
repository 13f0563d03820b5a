import { describe, expect, it } from "vitest";
import { BlockOverlay } from "./blockOverlay.ts";
import { decodeBlockSet, encodeBlockSet } from "./blockSet.ts";

describe("block sets", () => {
  const B = 16;

  it("keep only non-zero blocks, and an overlay of them on zeros reads as the disk", () => {
    const disk = new Uint8Array(8 * B);
    disk[3] = 1;
    disk[5 * B + 7] = 9;
    const encoded = encodeBlockSet(disk, B);
    const blocks = decodeBlockSet(encoded, B);
    expect([...blocks.keys()]).toEqual([0, 5]);
    expect([...new BlockOverlay(disk.byteLength, blocks, B).read(0, disk.byteLength)]).toEqual([...disk]);
  });

  it("refuse damaged input with a reason", () => {
    const encoded = encodeBlockSet(Uint8Array.of(1, ...new Array(B - 1).fill(0)), B);
    expect(() => decodeBlockSet(encoded.subarray(0, encoded.length - 1), B)).toThrow(/truncated/);
    expect(() => decodeBlockSet(new Uint8Array(40), B)).toThrow(/not a block set/);
    expect(() => decodeBlockSet(encoded, 2 * B)).toThrow(/not 32 bytes/);
  });
});
