import { describe, expect, it } from "vitest";
import { CPU_PERIOD_MS, CpuGate, TURN_END_GUARD_MS } from "./cpuGate.ts";

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

  it.each([5, 10, 25, 50, 75])("holds a busy instance to a %d percent share", (pct) => {
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

/** When, in [0, wallMs), the gate lets a busy emulator run 0.25 ms slices. */
function runTimes(gate: CpuGate, wallMs: number, sliceMs = 0.25): number[] {
  const times: number[] = [];
  let now = 0;
  while (now < wallMs) {
    const wait = gate.delayMs(now);
    if (wait > 0) {
      now += wait;
      continue;
    }
    times.push(now);
    gate.charge(sliceMs);
    now += sliceMs;
  }
  return times;
}

describe("CpuGate turns", () => {
  it.each([10, 25, 50, 90])("gives a busy instance its %d percent share as one window per period", (pct) => {
    const gate = new CpuGate(0);
    gate.setTurn(pct, 0, 0);
    const ran = runTimes(gate, 100 * CPU_PERIOD_MS).length * 0.25;
    const window = (pct / 100) * CPU_PERIOD_MS;
    // The guard at each window's end is all that is lost.
    expect(ran / (100 * CPU_PERIOD_MS)).toBeGreaterThanOrEqual((window - TURN_END_GUARD_MS - 0.25) / CPU_PERIOD_MS);
    expect(ran / (100 * CPU_PERIOD_MS)).toBeLessThanOrEqual(pct / 100);
  });

  it("lays instances on one core end to end: no two run at once", () => {
    const shares = [25, 25, 30, 20];
    let offset = 0;
    const runs = shares.map((share) => {
      const gate = new CpuGate(0);
      gate.setTurn(share, offset, 0);
      offset += share;
      return runTimes(gate, 10 * CPU_PERIOD_MS);
    });
    const owner = new Map<number, number>();
    runs.forEach((times, i) => times.forEach((t) => {
      // Slices are 0.25 ms: two instances on one quarter-millisecond would be running together.
      const key = Math.round(t * 4);
      expect(owner.get(key), `instances ${owner.get(key)} and ${i} both run at ${t} ms`).toBeUndefined();
      owner.set(key, i);
    }));
  });

  it("wraps a window past the period's end", () => {
    const gate = new CpuGate(0);
    gate.setTurn(20, 90, 0);
    const ran = runTimes(gate, 3 * CPU_PERIOD_MS);
    // Busy from 45 ms to 55 ms, then from 95 ms: across the period's end.
    expect(ran[0]).toBeCloseTo(0, 6);
    expect(ran.some((t) => t > 0.92 * CPU_PERIOD_MS && t < CPU_PERIOD_MS)).toBe(true);
    expect(ran.some((t) => t > CPU_PERIOD_MS && t < 1.08 * CPU_PERIOD_MS)).toBe(true);
    expect(ran.some((t) => t > 1.2 * CPU_PERIOD_MS && t < 1.85 * CPU_PERIOD_MS)).toBe(false);
  });

  it("lets an instance that wakes late run that much past its window, and an idle one run at once", () => {
    const late = new CpuGate(0);
    late.setTurn(20, 0, 0);
    // Woken 3 ms into its 10 ms window: it still gets its 10 ms, ending 3 ms past the window.
    let now = 3;
    let ran = 0;
    while (late.delayMs(now) === 0) {
      late.charge(0.25);
      ran += 0.25;
      now += 0.25;
    }
    expect(ran).toBeGreaterThanOrEqual(10 - TURN_END_GUARD_MS);
    expect(now).toBeGreaterThan(12);
    const idle = new CpuGate(0);
    idle.setTurn(20, 0, 0);
    // Halfway through the period, having used nothing: a key press is handled at once.
    expect(idle.delayMs(0.6 * CPU_PERIOD_MS)).toBe(0);
  });
});
