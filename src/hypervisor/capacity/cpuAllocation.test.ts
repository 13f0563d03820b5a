import { describe, expect, it } from "vitest";
import { allocateCpu, defaultCpuCores, layTurns } from "./cpuAllocation.ts";

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

describe("layTurns", () => {
  /** The parts of one period (0-100) each core runs a window in: [core, from, to). */
  function windows(turns: Map<string, { sharePct: number; offsetPct: number }>): [string, number, number, number][] {
    const out: [string, number, number, number][] = [];
    let core = 0;
    let previousEnd = 0;
    for (const [id, turn] of [...turns].sort((a, b) => a[0].localeCompare(b[0]))) {
      if (turn.offsetPct < previousEnd % 100 && previousEnd > 0) core++;
      const end = turn.offsetPct + turn.sharePct;
      if (end <= 100) out.push([id, core, turn.offsetPct, end]);
      else {
        out.push([id, core, turn.offsetPct, 100]);
        core++;
        out.push([id, core, 0, end - 100]);
      }
      previousEnd = end % 100;
    }
    return out;
  }

  it("lays one core's shares end to end, so no two windows overlap", () => {
    const turns = layTurns(
      new Map([
        ["b", 25],
        ["a", 25],
        ["c", 50],
      ]),
    );
    expect([...turns]).toEqual([
      ["a", { sharePct: 25, offsetPct: 0 }],
      ["b", { sharePct: 25, offsetPct: 25 }],
      ["c", { sharePct: 50, offsetPct: 50 }],
    ]);
  });

  it("wraps onto the next core, never overlapping an instance with itself", () => {
    const turns = layTurns(
      new Map([
        ["a", 70],
        ["b", 70],
        ["c", 60],
      ]),
    );
    expect(turns.get("b")).toEqual({ sharePct: 70, offsetPct: 70 });
    expect(turns.get("c")).toEqual({ sharePct: 60, offsetPct: 40 });
    const laid = windows(turns);
    // b runs 70-100 on core 0 and 0-40 on core 1: two different times of the period.
    expect(laid.filter(([id]) => id === "b")).toEqual([
      ["b", 0, 70, 100],
      ["b", 1, 0, 40],
    ]);
    for (const core of [0, 1]) {
      const onCore = laid.filter(([, c]) => c === core).sort((x, y) => x[2] - y[2]);
      onCore.slice(1).forEach((w, i) => expect(w[2]).toBeGreaterThanOrEqual((onCore[i] as (typeof onCore)[number])[3]));
    }
  });
});
