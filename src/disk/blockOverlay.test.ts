import { describe, expect, it } from "vitest";
import { BlockOverlay, copyBlocks } from "./blockOverlay.ts";

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

describe("BlockOverlay flushing", () => {
  const B = 16;

  it("gives each written block to one flush, as of the moment it is taken", () => {
    const disk = new BlockOverlay(base(4, B), new Map(), B);
    disk.write(B - 1, Uint8Array.of(1, 2));
    const first = disk.takeDirty();
    expect([...first.keys()].sort()).toEqual([0, 1]);
    // Writes after the flush was taken do not change what it holds, and are the next flush's.
    disk.write(B, Uint8Array.of(3));
    expect(first.get(1)?.[0]).toBe(2);
    const second = disk.takeDirty();
    expect([...second.keys()]).toEqual([1]);
    expect(second.get(1)?.[0]).toBe(3);
    expect(disk.takeDirty().size).toBe(0);
  });

  it("a volume rebuilt from its flushes reads as the disk did", () => {
    const disk = new BlockOverlay(base(8, B), new Map(), B);
    const stored = new Map<number, Uint8Array>();
    const flush = () => disk.takeDirty().forEach((block, index) => stored.set(index, block));
    disk.write(3, new Uint8Array(40).fill(9));
    flush();
    disk.write(60, Uint8Array.of(7, 7, 7, 7, 7, 7));
    flush();
    const rebuilt = new BlockOverlay(base(8, B), stored, B);
    expect([...rebuilt.read(0, 8 * B)]).toEqual([...disk.read(0, 8 * B)]);
  });
});

describe("BlockOverlay on an empty volume", () => {
  const B = 16;

  it("reads zeros until written, and keeps only written blocks", () => {
    const disk = new BlockOverlay(4 * B, new Map(), B);
    expect([...disk.read(0, 4 * B)]).toEqual(new Array(4 * B).fill(0));
    disk.write(B + 2, Uint8Array.of(5));
    expect([...disk.read(B, 4)]).toEqual([0, 0, 5, 0]);
    expect([...disk.writtenBlocks.keys()]).toEqual([1]);
    expect(() => new BlockOverlay(B + 1, new Map(), B)).toThrow(/cannot be cut/);
  });
});

describe("snapshots", () => {
  const B = 16;

  it("a snapshot keeps the volume as it was; writes after it change only the volume", () => {
    const volume = new BlockOverlay(base(4, B), new Map(), B);
    volume.write(0, Uint8Array.of(1));
    const snapshot = volume.snapshot();
    volume.write(0, Uint8Array.of(2));
    volume.write(3 * B, Uint8Array.of(3));
    const restored = new BlockOverlay(base(4, B), snapshot, B);
    expect(restored.read(0, 1)[0]).toBe(1);
    expect(restored.read(3 * B, 1)[0]).toBe(48 % 251);
    expect(volume.read(0, 1)[0]).toBe(2);
  });

  it("a chain of snapshots (volume, snapshot, volume from it, snapshot again) carries every layer's writes", () => {
    const image = base(6, B);
    const first = new BlockOverlay(image, new Map(), B);
    first.write(B, new Uint8Array(B).fill(11));
    const snapA = first.snapshot();
    // A volume made from a snapshot writes into its own copy of the snapshot's blocks.
    const second = new BlockOverlay(image, copyBlocks(snapA), B);
    second.write(2 * B + 4, Uint8Array.of(22, 22));
    const snapB = second.snapshot();
    first.write(B, new Uint8Array(B).fill(99));
    const third = new BlockOverlay(image, copyBlocks(snapB), B);
    expect(third.read(B, 1)[0]).toBe(11);
    expect([...third.read(2 * B + 3, 4)]).toEqual([(2 * B + 3) % 251, 22, 22, (2 * B + 6) % 251]);
    expect(third.read(5 * B, 1)[0]).toBe((5 * B) % 251);
    // Reading through the chain left every earlier layer as it was.
    expect(new BlockOverlay(image, snapA, B).read(2 * B + 4, 1)[0]).toBe((2 * B + 4) % 251);
  });
});
