import { describe, expect, it } from "vitest";
import { parseSetHostCapacity, parseSubscribe } from "./host.ts";
import { expectRefused } from "./testing.ts";

describe("host requests", () => {
  it("subscribe takes a function", () => {
    const listener = () => undefined;
    expect(parseSubscribe(listener)).toBe(listener);
    expectRefused(() => parseSubscribe(42), "InvalidParameterType", /listener must be a function, not a number/);
  });

  it("setHostCapacity takes budgets in range", () => {
    expect(parseSetHostCapacity({ memoryBudgetMib: 2048, cpuCores: 0.5 })).toEqual({ memoryBudgetMib: 2048, cpuCores: 0.5 });
    expect(parseSetHostCapacity({ cpuCores: 256 })).toEqual({ cpuCores: 256 });
  });

  it.each([
    ["nothing to change", {}, "MissingParameter", /memoryBudgetMib or cpuCores/],
    ["a memory budget under 64 MiB", { memoryBudgetMib: 63 }, "InvalidParameterValue", /from 64 to 1048576/],
    ["an infinite memory budget", { memoryBudgetMib: Infinity }, "InvalidParameterValue", /memoryBudgetMib/],
    ["a memory budget of NaN", { memoryBudgetMib: NaN }, "InvalidParameterValue", /NaN/],
    ["0 cores", { cpuCores: 0 }, "InvalidParameterValue", /above 0/],
    ["257 cores", { cpuCores: 257 }, "InvalidParameterValue", /at most 256/],
    ["cores as text", { cpuCores: "2" }, "InvalidParameterType", /cpuCores must be a number/],
    ["null", null, "InvalidParameterType", /capacity must be an object/],
  ])("setHostCapacity refuses %s", (_, capacity, code, message) => {
    expectRefused(() => parseSetHostCapacity(capacity), code as never, message);
  });
});
