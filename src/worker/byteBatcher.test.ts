import { describe, expect, it, vi } from "vitest";
import { ByteBatcher } from "./byteBatcher.ts";

/** Lets queued microtasks run, as the end of an emulator slice does. */
const endOfSlice = () => Promise.resolve();

describe("ByteBatcher", () => {
  it("sends the bytes of one slice as one batch, not one message per byte", async () => {
    const batches: Uint8Array[] = [];
    const batcher = new ByteBatcher((bytes) => batches.push(bytes));
    for (const byte of new TextEncoder().encode("hello, world\r\n")) batcher.push(byte);
    expect(batches).toEqual([]);
    await endOfSlice();
    expect(batches).toHaveLength(1);
    expect(new TextDecoder().decode(batches[0])).toBe("hello, world\r\n");
  });

  it("splits at its size limit and keeps the order", async () => {
    const batches: Uint8Array[] = [];
    const batcher = new ByteBatcher((bytes) => batches.push(bytes), { maxBytes: 4 });
    for (let i = 0; i < 10; i++) batcher.push(i);
    await endOfSlice();
    expect(batches.map((batch) => [...batch])).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it("hands over copies the caller may keep or transfer", async () => {
    const batches: Uint8Array[] = [];
    const batcher = new ByteBatcher((bytes) => batches.push(bytes));
    batcher.push(1);
    await endOfSlice();
    batcher.push(2);
    await endOfSlice();
    expect(batches.map((batch) => [...batch])).toEqual([[1], [2]]);
  });

  it("drops what is pending when disposed", async () => {
    const sink = vi.fn();
    const batcher = new ByteBatcher(sink);
    batcher.push(1);
    batcher.dispose();
    await endOfSlice();
    expect(sink).not.toHaveBeenCalled();
  });
});
