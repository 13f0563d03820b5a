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
  it("never holds back an instance with a whole core, or one never given a turn", () => {
    const gate = new CpuGate();
    expect(simulate(gate, 1000)).toBe(1000);
    gate.setTurn(100, 30, 0);
    expect(simulate(gate, 1000)).toBe(1000);
  });

  it("waits a period at a zero share", () => {
    const gate = new CpuGate();
    gate.setTurn(0, 0, 0);
    expect(gate.delayMs(10)).toBe(CPU_PERIOD_MS);
  });

  it("does not let an idle instance bank more than its budget of one period", () => {
    const gate = new CpuGate();
    gate.setTurn(10, 0, 0);
    // Idle for a long time, then busy: the first burst is what is left of this period's budget.
    let now = 100 * CPU_PERIOD_MS;
    let burst = 0;
    while (gate.delayMs(now) === 0) {
      gate.charge(1);
      burst += 1;
      now += 1;
    }
    expect(burst).toBeLessThanOrEqual(CPU_PERIOD_MS * 0.1 + 1);
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
    const gate = new CpuGate();
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
      const gate = new CpuGate();
      gate.setTurn(share, offset, 0);
      offset += share;
      return runTimes(gate, 10 * CPU_PERIOD_MS);
    });
    const owner = new Map<number, number>();
    runs.forEach((times, i) =>
      times.forEach((t) => {
        // Slices are 0.25 ms: two instances on one quarter-millisecond would be running together.
        const key = Math.round(t * 4);
        expect(owner.get(key), `instances ${owner.get(key)} and ${i} both run at ${t} ms`).toBeUndefined();
        owner.set(key, i);
      }),
    );
  });

  it("wraps a window past the period's end", () => {
    const gate = new CpuGate();
    gate.setTurn(20, 90, 0);
    const ran = runTimes(gate, 3 * CPU_PERIOD_MS);
    // Busy from 45 ms to 55 ms, then from 95 ms: across the period's end.
    expect(ran[0]).toBeCloseTo(0, 6);
    expect(ran.some((t) => t > 0.92 * CPU_PERIOD_MS && t < CPU_PERIOD_MS)).toBe(true);
    expect(ran.some((t) => t > CPU_PERIOD_MS && t < 1.08 * CPU_PERIOD_MS)).toBe(true);
    expect(ran.some((t) => t > 1.2 * CPU_PERIOD_MS && t < 1.85 * CPU_PERIOD_MS)).toBe(false);
  });

  it("pays back a slice that ran past its budget from the next period, so the share holds", () => {
    const gate = new CpuGate();
    gate.setTurn(25, 0, 0);
    // 2.6 ms slices against a 12.5 ms budget: most periods' last slice runs over.
    const ran = runTimes(gate, 200 * CPU_PERIOD_MS, 2.6).length * 2.6;
    expect(ran / (200 * CPU_PERIOD_MS)).toBeCloseTo(0.25, 2);
  });

  it("lets an instance that wakes late run that much past its window, and an idle one run at once", () => {
    const late = new CpuGate();
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
    const idle = new CpuGate();
    idle.setTurn(20, 0, 0);
    // Halfway through the period, having used nothing: a key press is handled at once.
    expect(idle.delayMs(0.6 * CPU_PERIOD_MS)).toBe(0);
  });
});
