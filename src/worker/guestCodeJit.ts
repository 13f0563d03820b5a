/**
 * When v86's JIT may compile guest code. The JIT turns guest code that ran often into WebAssembly
 * functions, and Chromium optimises each hot one again on background threads, asking the
 * emulator's thread to note its callers' types every time it runs out of budget meanwhile. A boot
 * runs most of its code once and left the browser seconds of that work per instance: sixteen
 * t3.nano booted at once kept both of this machine's cores busy for 40 s after they were ready,
 * their guests idle. So a guest boots with the JIT off, and it is turned on once the boot is over
 * (the agent said so, or the deadline passed), or at once for a restored state, whose boot is
 * behind it. Booted so, one cold boot in Chromium took 1.9 s instead of 3.1 s (bench `boot`).
 *
 * The functions it generates stay small, at most 1 page of guest code and 50 basic blocks beyond
 * the first (v86's defaults are 3 and 250): Chromium's cost grows faster than the function.
 */

/** The settings v86's JIT takes (its set_jit_config). */
const JIT_DISABLED = 0;
const MAX_PAGES = 1;
const MAX_EXTRA_BASIC_BLOCKS = 3;

/** v86's WebAssembly exports that configure its JIT. */
export interface JitExports {
  set_jit_config?(setting: number, value: number): void;
}

/** How long a boot may keep the JIT off when its agent never says it is ready. */
export const BOOT_JIT_DEADLINE_MS = 30_000;

export class GuestCodeJit {
  readonly #exports: JitExports | undefined;
  #on = false;

  /** `booted`: the guest's boot is behind it (a restored state). */
  constructor(exports: JitExports | undefined, booted: boolean) {
    this.#exports = exports;
    exports?.set_jit_config?.(MAX_PAGES, 1);
    exports?.set_jit_config?.(MAX_EXTRA_BASIC_BLOCKS, 50);
    this.#set(booted);
  }

  /** The boot is over: guest code that runs often is compiled from now on. */
  bootEnded(): void {
    if (!this.#on) this.#set(true);
  }

  /** Called now and then while the guest runs: a boot past its deadline has ended. */
  check(runningForMs: number): void {
    if (runningForMs > BOOT_JIT_DEADLINE_MS) this.bootEnded();
  }

  #set(on: boolean): void {
    this.#on = on;
    this.#exports?.set_jit_config?.(JIT_DISABLED, on ? 0 : 1);
  }
}
