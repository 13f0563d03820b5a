import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ByteBatcher } from "./byteBatcher.ts";

describe("ByteBatcher", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("sends a burst of bytes as one batch, not one message per byte", () => {
    const batches: Uint8Array[] = [];
    const batcher = new ByteBatcher((bytes) => batches.push(bytes));
    for (const byte of new TextEncoder().encode("hello, world\r\n")) batcher.push(byte);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(1);
    expect(new TextDecoder().decode(batches[0])).toBe("hello, world\r\n");
  });

  it("splits at its size limit and keeps the order", () => {
    const batches: Uint8Array[] = [];
    const batcher = new ByteBatcher((bytes) => batches.push(bytes), { maxBytes: 4 });
    for (let i = 0; i < 10; i++) batcher.push(i);
    vi.advanceTimersByTime(1);
    expect(batches.map((batch) => [...batch])).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });

  it("hands over copies the caller may keep or transfer", () => {
    const batches: Uint8Array[] = [];
    const batcher = new ByteBatcher((bytes) => batches.push(bytes));
    batcher.push(1);
    batcher.flush();
    batcher.push(2);
    batcher.flush();
    expect(batches.map((batch) => [...batch])).toEqual([[1], [2]]);
  });

  it("drops what is pending when disposed", () => {
    const sink = vi.fn();
    const batcher = new ByteBatcher(sink);
    batcher.push(1);
    batcher.dispose();
    vi.advanceTimersByTime(10);
    expect(sink).not.toHaveBeenCalled();
  });
});
