/**
 * The host's memory budget: each pending or running instance is charged its guest RAM plus
 * what its emulator costs beyond that. A launch or start that does not fit is refused whole.
 */
import { Ec2Error } from "../../shared/errors.ts";

/**
 * What one running instance costs the host beyond its guest RAM, measured by the memory-overhead
 * benchmark (bench/memoryOverhead.ts) in Chromium: the growth of the proportional set size of all
 * of Chromium's processes while four t3.nano instances run, per instance, less the guest memory
 * each has written (the host holds no other pages of it). It is the worker, the emulator's wasm
 * instance and compiled code, and what v86 keeps beside the guest; not the image's files, which
 * the page holds once for every instance. On 2026-12-01 (night) it printed 16.7 MiB with a 64 MiB
 * root disk and 18.8 MiB with a 1 GiB one; rounded up. Under Node, where each worker thread
 * carries a whole V8 isolate of its own, the same bench printed 51.5 and 60.3 MiB: the Node
 * hypervisor (tests, benches) charges the browser's figure all the same.
 * Guest RAM is charged whole, written or not: a guest may touch all of it.
 */
export const EMULATOR_OVERHEAD_MIB = 24;

/** A default budget from the memory the browser reports (navigator.deviceMemory, in GiB): half of it. */
export function defaultMemoryBudgetMib(deviceMemoryGib: number | undefined): number {
  const gib = deviceMemoryGib && Number.isFinite(deviceMemoryGib) && deviceMemoryGib > 0 ? deviceMemoryGib : 4;
  return Math.round((gib * 1024) / 2);
}

export function instanceFootprintMib(memoryMib: number): number {
  return memoryMib + EMULATOR_OVERHEAD_MIB;
}

/** Throws InsufficientInstanceCapacity when `count` more instances of `memoryMib` do not fit. */
export function admit(budgetMib: number, inUseMib: number, memoryMib: number, count: number, typeName: string): void {
  const needed = instanceFootprintMib(memoryMib) * count;
  if (inUseMib + needed <= budgetMib) return;
  const free = Math.max(0, budgetMib - inUseMib);
  throw new Ec2Error(
    "InsufficientInstanceCapacity",
    `There is not enough memory on this host for ${count === 1 ? "a" : count} ${typeName} (${memoryMib} MiB + ${EMULATOR_OVERHEAD_MIB} MiB emulator overhead${count === 1 ? "" : " each"}): ` +
      `${Math.round(inUseMib)} of ${budgetMib} MiB are in use, ${Math.round(free)} MiB free. Stop or terminate an instance, choose a smaller type, or raise the host's memory budget.`,
  );
}
