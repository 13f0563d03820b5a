import { describe, expect, it } from "vitest";
import { allocateCpu, defaultCpuCores } from "./cpuAllocation.ts";

const round = (shares: Map<string, number>) => Object.fromEntries([...shares].map(([id, pct]) => [id, Math.round(pct * 100) / 100]));

describe("allocateCpu", () => {
  it("gives a lone instance its cap, never more than one core", () => {
    expect(round(allocateCpu(200, [{ id: "a", weight: 2, capPct: 100 }]))).toEqual({ a: 100 });
    expect(round(allocateCpu(200, [{ id: "a", weight: 2, capPct: 30 }]))).toEqual({ a: 30 });
  });

  it("divides a contended host by weight", () => {
    const shares = allocateCpu(100, [
      { id: "small", weight: 1, capPct: 100 },
      { id: "big", weight: 3, capPct: 100 },
    ]);
    expect(round(shares)).toEqual({ small: 25, big: 75 });
  });

  it("hands what a capped instance leaves to the others", () => {
    const shares = allocateCpu(100, [
      { id: "capped", weight: 2, capPct: 10 },
      { id: "x", weight: 1, capPct: 100 },
      { id: "y", weight: 1, capPct: 100 },
    ]);
    expect(round(shares)).toEqual({ capped: 10, x: 45, y: 45 });
  });

  it("never hands out more than the budget, nor more than one core each", () => {
    const demands = Array.from({ length: 5 }, (_, i) => ({ id: `i${i}`, weight: i + 1, capPct: 100 }));
    const shares = allocateCpu(200, demands);
    const total = [...shares.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(200, 6);
    for (const share of shares.values()) expect(share).toBeLessThanOrEqual(100);
    expect(round(allocateCpu(300, demands.slice(0, 2)))).toEqual({ i0: 100, i1: 100 });
  });

  it("gives nothing when there is no budget, and copes with no instances", () => {
    expect(round(allocateCpu(0, [{ id: "a", weight: 1, capPct: 100 }]))).toEqual({ a: 0 });
    expect(allocateCpu(100, []).size).toBe(0);
  });
});

describe("defaultCpuCores", () => {
  it("leaves one core to the page, and keeps at least one", () => {
    expect(defaultCpuCores(8)).toBe(7);
    expect(defaultCpuCores(2)).toBe(1);
    expect(defaultCpuCores(1)).toBe(1);
  });
});
