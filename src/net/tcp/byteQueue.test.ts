import { describe, expect, it } from "vitest";
import { ByteQueue } from "./byteQueue.ts";
import { ManualScheduler } from "./scheduler.ts";
import { acceptable, seqAdd, seqDiff, seqGt, seqLt } from "./seq.ts";

describe("ByteQueue", () => {
  it("copies out any range across the chunks it was written in, after drops", () => {
    const queue = new ByteQueue();
    queue.push(Uint8Array.of(0, 1, 2));
    queue.push(new Uint8Array(0));
    queue.push(Uint8Array.of(3, 4));
    queue.push(Uint8Array.of(5, 6, 7, 8));
    expect([...queue.peek(2, 4)]).toEqual([2, 3, 4, 5]);
    queue.drop(4);
    expect(queue.length).toBe(5);
    expect([...queue.peek(0, 3)]).toEqual([4, 5, 6]);
    expect([...queue.peek(3, 10)]).toEqual([7, 8]);
    expect([...queue.takeAll()]).toEqual([4, 5, 6, 7, 8]);
    expect(queue.length).toBe(0);
  });
});

describe("sequence numbers", () => {
  it("compare across the wrap of 32 bits", () => {
    expect(seqAdd(0xffff_fff0, 0x20)).toBe(0x10);
    expect(seqDiff(0x10, 0xffff_fff0)).toBe(0x20);
    expect(seqLt(0xffff_fff0, 0x10)).toBe(true);
    expect(seqGt(0x10, 0xffff_fff0)).toBe(true);
  });

  it.each([
    [100, 0, 100, 1000, true],
    [99, 0, 100, 1000, false],
    [1100, 0, 100, 1000, false],
    [50, 100, 100, 1000, true],
    [100, 0, 100, 0, true],
    [101, 0, 100, 0, false],
    [100, 10, 100, 0, false],
    [0xffff_fffe, 10, 0xffff_fff0, 1000, true],
  ])("a segment at %i of length %i, expecting %i in a window of %i, is acceptable: %s", (seq, length, rcvNxt, window, expected) => {
    expect(acceptable(seq, length, rcvNxt, window)).toBe(expected);
  });
});

describe("ManualScheduler", () => {
  it("runs callbacks in time order, then in the order scheduled, skipping cancelled ones", () => {
    const scheduler = new ManualScheduler();
    const ran: string[] = [];
    scheduler.schedule(10, () => ran.push("b"));
    scheduler.schedule(5, () => {
      ran.push("a");
      scheduler.schedule(5, () => ran.push("c"));
    });
    const cancel = scheduler.schedule(7, () => ran.push("never"));
    cancel();
    expect(scheduler.nextDueMs()).toBe(5);
    scheduler.advance(9);
    expect(ran).toEqual(["a"]);
    scheduler.advance(1);
    expect(ran).toEqual(["a", "b", "c"]);
    expect(scheduler.now()).toBe(10);
    expect(scheduler.pendingCount).toBe(0);
  });
});
