/**
 * Restoring a state, v86 first zeroes all of guest memory (its unpack_memory), then copies in the
 * state's non-zero pages. In a fresh emulator the memory above the first MiB is still untouched
 * (v86 writes only its BIOS images there when no kernel is given), and zeroing it made the host
 * commit every page: most of a launch without a spare worker (bench launch-golden, coldWorker:
 * 1,129 ms before, 754 ms after), and the whole memory size resident from the first moment.
 * Checking the untouched pages first would fault each in just the same, so while a state is
 * restored into a fresh emulator, only the first MiB is zeroed.
 */
import type { V86Cpu } from "./v86Internals.ts";

/** What v86 writes before a restore when given no kernel: the BIOS (and a VGA BIOS, given one), below 1 MiB. */
const WRITTEN_AT_LOAD_BYTES = 1 << 20;

export async function restoreIntoFreshMemory(cpu: V86Cpu | undefined, restore: () => Promise<void>): Promise<void> {
  const zero = cpu?.zero_memory;
  if (!cpu || !zero) return restore();
  cpu.zero_memory = (start, length) => {
    const end = Math.min(start + length, WRITTEN_AT_LOAD_BYTES);
    if (end > start) zero.call(cpu, start, end - start);
  };
  try {
    await restore();
  } finally {
    cpu.zero_memory = zero;
  }
}
