import { describe, expect, it } from "vitest";
import { ConsoleInputQueue, UART_BATCH_BYTES } from "./consoleInputQueue.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

/** Hands batches to a pretend UART that the guest empties after every batch, until none is left. */
function drain(queue: ConsoleInputQueue): number[][] {
  const batches: number[][] = [];
  for (let batch = queue.next(0); batch; batch = queue.next(0)) batches.push([...batch]);
  return batches;
}

describe("ConsoleInputQueue", () => {
  it("hands a keystroke over at once when the UART is empty", () => {
    const queue = new ConsoleInputQueue();
    queue.push(bytes(0x6c));
    expect(queue.next(0)).toEqual(bytes(0x6c));
    expect(queue.pendingBytes).toBe(0);
  });

  it("holds everything back while the UART still has bytes the guest has not read", () => {
    const queue = new ConsoleInputQueue(4);
    queue.push(bytes(1, 2, 3, 4, 5));
    expect(queue.next(0)).toEqual(bytes(1, 2, 3, 4));
    expect(queue.next(1)).toBeNull();
    expect(queue.next(4)).toBeNull();
    expect(queue.pendingBytes).toBe(1);
    expect(queue.next(0)).toEqual(bytes(5));
  });

  it("never hands over more than a batch, whatever the size of the input", () => {
    const queue = new ConsoleInputQueue();
    queue.push(new Uint8Array(200 * 1024).fill(0x41));
    const batches = drain(queue);
    expect(batches.length).toBe(200);
    expect(Math.max(...batches.map((batch) => batch.length))).toBe(UART_BATCH_BYTES);
    expect(batches.flat().length).toBe(200 * 1024);
  });

  it("keeps the order of input pushed in many pieces, joining and splitting them into batches", () => {
    const queue = new ConsoleInputQueue(3);
    queue.push(bytes(1, 2));
    queue.push(bytes(3, 4, 5, 6, 7));
    queue.push(bytes());
    queue.push(bytes(8));
    expect(drain(queue)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8],
    ]);
  });

  it("takes more input while a batch is with the UART and hands it over after", () => {
    const queue = new ConsoleInputQueue(2);
    queue.push(bytes(1, 2, 3));
    expect(queue.next(0)).toEqual(bytes(1, 2));
    queue.push(bytes(4));
    expect(queue.next(2)).toBeNull();
    expect(drain(queue)).toEqual([[3, 4]]);
  });

  it("has nothing to hand over when empty or cleared", () => {
    const queue = new ConsoleInputQueue();
    expect(queue.next(0)).toBeNull();
    queue.push(bytes(1, 2, 3));
    queue.clear();
    expect(queue.pendingBytes).toBe(0);
    expect(queue.next(0)).toBeNull();
  });

  it("refuses a batch size that could hand nothing over", () => {
    expect(() => new ConsoleInputQueue(0)).toThrow(RangeError);
  });
});
