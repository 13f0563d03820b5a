/** The figures the README states about CPU and memory are the ones the code uses. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { INSTANCE_TYPES } from "../src/hypervisor/index.ts";
import { CPU_PERIOD_MS } from "../src/worker/cpuGate.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("states the CPU budget's period as the scheduler's", () => {
    const periods = [...readme.matchAll(/(?:renewed every|share of every) (\d+) ms/g)].map((match) => Number(match[1]));
    expect(periods.length).toBeGreaterThan(0);
    expect(periods).toEqual(periods.map(() => CPU_PERIOD_MS));
  });

  it("states each family's memory scale as the instance types have it", () => {
    const stated = readme.match(/Memory is EC2's divided by (\d+) for `t3` and by (\d+) for `m5` and `c5`/);
    expect(stated).not.toBeNull();
    const scale = (family: string): number[] => [
      ...new Set(INSTANCE_TYPES.filter((type) => type.family === family).map((type) => type.ec2MemoryMib / type.memoryMib)),
    ];
    expect(scale("t3")).toEqual([Number(stated?.[1])]);
    expect([...new Set([...scale("m5"), ...scale("c5")])]).toEqual([Number(stated?.[2])]);
  });
});
