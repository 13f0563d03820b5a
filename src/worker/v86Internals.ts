/**
 * v86 internals the worker reaches into: its main loop's yield, which the worker replaces with
 * its own; the console's and the agent's UARTs' receive buffers, which their input is paced by; and the exports of
 * its WebAssembly core that configure the JIT and read the local APIC's timer.
 */
import type { JitExports } from "./guestCodeJit.ts";

export interface V86Exports extends JitExports {
  /** Milliseconds to the local APIC timer's next interrupt, or 100 with none armed. */
  apic_timer?(now: number): number;
  /** Whether guest memory from `address` (8-byte aligned) on is all zero. */
  is_memory_zeroed?(address: number, length: number): boolean | number;
}

export interface V86Cpu {
  /** Zeroes guest memory; v86 calls it on itself, so it can be replaced. */
  zero_memory?(address: number, length: number): void;
  /** Guest memory's size in bytes (v86 keeps it in a one-element view). */
  memory_size?: { readonly 0: number };
  devices?: { uart0?: { input?: { readonly length: number } }; uart1?: { input?: { readonly length: number } } };
  wm?: { exports?: V86Exports };
}

export interface V86Core {
  yield(delayMs: number, tick: number): void;
  yield_callback(tick: number): void;
  unregister_yield(): void;
  cpu?: V86Cpu;
}

interface V86Internals {
  v86?: V86Core;
}

const PAGE_BYTES = 4096;

/**
 * Guest memory the guest has put something in: its 4 KiB pages that are not all zeros. The host
 * commits a page of the emulator's memory only once it is written, and a page the guest wrote
 * is almost never all zeros again, so this is close to the guest RAM the host really holds (a
 * little under it, never over). Reading the untouched pages commits no memory (each read only
 * maps the host's shared zero page), though it takes time: this is for benchmarks.
 */
export function guestMemoryInUseBytes(core: V86Core | undefined): number | null {
  const size = core?.cpu?.memory_size?.[0];
  const isZeroed = core?.cpu?.wm?.exports?.is_memory_zeroed;
  if (size === undefined || !isZeroed) return null;
  let pages = 0;
  for (let address = 0; address < size; address += PAGE_BYTES) if (!isZeroed(address, PAGE_BYTES)) pages++;
  return pages * PAGE_BYTES;
}

/** The emulator's core, where the worker reaches into v86 (absent from a build without one). */
export function v86Core(emulator: object): V86Core | undefined {
  return (emulator as V86Internals).v86;
}
