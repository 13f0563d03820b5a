import { describe, expect, it } from "vitest";
import { guestMemoryInUseBytes, type V86Core } from "./v86Internals.ts";

/** A core whose guest memory is `memory`, read the way v86's is_memory_zeroed reads it. */
function coreOver(memory: Uint8Array): V86Core {
  const is_memory_zeroed = (address: number, length: number) => memory.subarray(address, address + length).every((byte) => byte === 0);
  return {
    yield: () => undefined,
    yield_callback: () => undefined,
    unregister_yield: () => undefined,
    cpu: { memory_size: [memory.length], wm: { exports: { is_memory_zeroed } } },
  };
}

describe("guestMemoryInUseBytes", () => {
  it("counts the 4 KiB pages that hold anything but zeros", () => {
    const memory = new Uint8Array(16 * 4096);
    memory[0] = 1;
    memory[4096 * 3 + 4095] = 7;
    memory[4096 * 9 + 100] = 255;
    expect(guestMemoryInUseBytes(coreOver(memory))).toBe(3 * 4096);
  });

  it("is zero for memory the guest never wrote", () => {
    expect(guestMemoryInUseBytes(coreOver(new Uint8Array(8 * 4096)))).toBe(0);
  });

  it("gives no figure for a v86 build without the export", () => {
    expect(guestMemoryInUseBytes(undefined)).toBeNull();
    expect(
      guestMemoryInUseBytes({ yield: () => undefined, yield_callback: () => undefined, unregister_yield: () => undefined, cpu: {} }),
    ).toBeNull();
  });
});
