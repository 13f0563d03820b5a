import { describe, expect, it } from "vitest";
import { CPU_PERIOD_MS, CpuGate } from "./cpuGate.ts";

/** Runs 1 ms slices for `wallMs` of simulated time as a busy emulator would; returns the CPU used. */
function simulate(gate: CpuGate, wallMs: number, sliceMs = 1): number {
  let now = 0;
  const start = gate.usedMs;
  while (now < wallMs) {
    const wait = gate.delayMs(now);
    if (wait > 0) {
      now += wait;
      continue;
    }
    gate.charge(sliceMs);
    now += sliceMs;
  }
  return gate.usedMs - start;
}

describe("CpuGate", () => {
  it("never holds back an instance with a whole core", () => {
    const gate = new CpuGate(0);
    expect(simulate(gate, 1000)).toBe(1000);
  });

  it.each([5, 10, 25, 50, 75])("holds a busy instance to a %d%% share", (pct) => {
    const gate = new CpuGate(0);
    gate.setShare(pct, 0);
    const used = simulate(gate, 10_000);
    expect(used / 10_000).toBeCloseTo(pct / 100, 2);
  });

  it("lets an idle instance bank no more than one period", () => {
    const gate = new CpuGate(0);
    gate.setShare(10, 0);
    // Idle for a long time, then busy: the first burst is bounded by the bucket.
    let now = 100_000;
    let burst = 0;
    while (gate.delayMs(now) === 0) {
      gate.charge(1);
      burst += 1;
      now += 1;
    }
    expect(burst).toBeLessThanOrEqual(CPU_PERIOD_MS * 0.1 + 1);
  });

  it("waits a period at a zero share, and follows share changes", () => {
    const gate = new CpuGate(0);
    gate.setShare(0, 0);
    gate.charge(1);
    expect(gate.delayMs(0)).toBe(CPU_PERIOD_MS);
    gate.setShare(100, 10);
    expect(gate.delayMs(10)).toBe(0);
  });
});
