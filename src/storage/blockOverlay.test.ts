import { describe, expect, it } from "vitest";
import { BlockOverlay } from "./blockOverlay.ts";

/** A base image whose every byte says where it is, so reads show where they came from. */
function base(blocks: number, blockBytes: number): Uint8Array {
  return Uint8Array.from({ length: blocks * blockBytes }, (_, i) => i % 251);
}

describe("BlockOverlay", () => {
  const B = 16;

  it("reads the base image where nothing was written", () => {
    const disk = new BlockOverlay(base(4, B), new Map(), B);
    expect([...disk.read(5, 20)]).toEqual([...base(4, B).subarray(5, 25)]);
    expect(disk.writtenBlocks.size).toBe(0);
  });

  it("writes that straddle blocks land in each block, and only those blocks are kept", () => {
    const image = base(4, B);
    const disk = new BlockOverlay(image, new Map(), B);
    disk.write(12, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    expect([...disk.writtenBlocks.keys()].sort()).toEqual([0, 1]);
    expect([...disk.read(10, 12)]).toEqual([10, 11, 1, 2, 3, 4, 5, 6, 7, 8, 20, 21]);
    // The base image is never changed.
    expect([...image.subarray(12, 20)]).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it("reads that straddle written and unwritten blocks mix both", () => {
    const disk = new BlockOverlay(base(4, B), new Map(), B);
    disk.write(B, new Uint8Array(B).fill(200));
    const bytes = disk.read(B - 2, B + 4);
    expect([...bytes]).toEqual([14, 15, ...new Array(B).fill(200), 32, 33]);
  });

  it("a write over a whole block keeps nothing of the base", () => {
    const disk = new BlockOverlay(base(2, B), new Map(), B);
    disk.write(B, new Uint8Array(B).fill(7));
    expect([...disk.read(B, B)]).toEqual(new Array(B).fill(7));
  });

  it("starts again from blocks written before (stop, then start)", () => {
    const first = new BlockOverlay(base(4, B), new Map(), B);
    first.write(40, Uint8Array.of(9, 9, 9));
    const copy = new Map([...first.writtenBlocks].map(([index, block]) => [index, block.slice()]));
    const second = new BlockOverlay(base(4, B), copy, B);
    expect([...second.read(39, 5)]).toEqual([39, 9, 9, 9, 43]);
  });

  it("refuses reads and writes outside the disk", () => {
    const disk = new BlockOverlay(base(2, B), new Map(), B);
    expect(() => disk.read(2 * B - 1, 2)).toThrow(RangeError);
    expect(() => disk.write(-1, Uint8Array.of(1))).toThrow(RangeError);
  });

  it("refuses written blocks that do not fit the disk", () => {
    expect(() => new BlockOverlay(base(2, B), new Map([[2, new Uint8Array(B)]]), B)).toThrow(/does not fit/);
    expect(() => new BlockOverlay(base(2, B), new Map([[0, new Uint8Array(B - 1)]]), B)).toThrow(/does not fit/);
    expect(() => new BlockOverlay(new Uint8Array(B + 1), new Map(), B)).toThrow(/cannot be cut/);
  });
});

describe("BlockOverlay.restore", () => {
  it("replaces the written blocks with saved ones, and checks them first", () => {
    const B = 16;
    const disk = new BlockOverlay(new Uint8Array(4 * B), new Map(), B);
    disk.write(0, Uint8Array.of(1));
    disk.restore(new Map([[3, new Uint8Array(B).fill(5)]]));
    expect([...disk.writtenBlocks.keys()]).toEqual([3]);
    expect(disk.read(0, 1)[0]).toBe(0);
    expect(disk.read(3 * B, 1)[0]).toBe(5);
    expect(() => disk.restore(new Map([[4, new Uint8Array(B)]]))).toThrow(RangeError);
    expect([...disk.writtenBlocks.keys()]).toEqual([3]);
  });
});
