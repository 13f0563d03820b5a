import { describe, expect, it } from "vitest";
import { BOOT_JIT_DEADLINE_MS, GuestCodeJit, type JitExports } from "./guestCodeJit.ts";

/** v86's JIT settings as set_jit_config left them. */
function recordingJit(): JitExports & { readonly settings: Map<number, number> } {
  const settings = new Map<number, number>();
  return { settings, set_jit_config: (setting, value) => void settings.set(setting, value) };
}

const DISABLED = 0;

describe("GuestCodeJit", () => {
  it("keeps the JIT off through a cold boot and turns it on when the boot ends", () => {
    const exports = recordingJit();
    const jit = new GuestCodeJit(exports, false);
    expect(exports.settings.get(DISABLED)).toBe(1);
    jit.check(BOOT_JIT_DEADLINE_MS - 1);
    expect(exports.settings.get(DISABLED)).toBe(1);
    jit.bootEnded();
    expect(exports.settings.get(DISABLED)).toBe(0);
  });

  it("turns the JIT on at the deadline when the agent never says the boot is over", () => {
    const exports = recordingJit();
    const jit = new GuestCodeJit(exports, false);
    jit.check(BOOT_JIT_DEADLINE_MS + 1);
    expect(exports.settings.get(DISABLED)).toBe(0);
  });

  it("compiles at once for a restored state, in small functions", () => {
    const exports = recordingJit();
    new GuestCodeJit(exports, true);
    expect(Object.fromEntries(exports.settings)).toEqual({ 0: 0, 1: 1, 3: 50 });
  });

  it("does without a JIT it cannot reach", () => {
    const jit = new GuestCodeJit(undefined, false);
    expect(() => jit.bootEnded()).not.toThrow();
  });
});
