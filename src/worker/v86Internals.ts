/**
 * v86 internals the worker reaches into: its main loop's yield, which the worker replaces with
 * its own; the console UART's receive buffer, which console input is paced by; and the exports of
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
  devices?: { uart0?: { input?: { readonly length: number } } };
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

/** The emulator's core, where the worker reaches into v86 (absent from a build without one). */
export function v86Core(emulator: object): V86Core | undefined {
  return (emulator as V86Internals).v86;
}
