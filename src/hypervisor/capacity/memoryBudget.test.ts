import { describe, expect, it } from "vitest";
import { Ec2Error } from "../../shared/errors.ts";
import { admit, defaultMemoryBudgetMib, EMULATOR_OVERHEAD_MIB, instanceFootprintMib } from "./memoryBudget.ts";

describe("memory admission", () => {
  const micro = instanceFootprintMib(128);

  it("admits what fits exactly", () => {
    expect(() => admit(micro * 2, micro, 128, 1, "t3.micro")).not.toThrow();
  });

  it("refuses one byte too many with InsufficientInstanceCapacity and the figures", () => {
    let error: unknown;
    try {
      admit(micro * 2 - 1, micro, 128, 1, "t3.micro");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Ec2Error);
    expect(error).toMatchObject({ code: "InsufficientInstanceCapacity" });
    expect((error as Error).message).toContain(`128 MiB + ${EMULATOR_OVERHEAD_MIB} MiB`);
    expect((error as Error).message).toContain(`${micro} of ${micro * 2 - 1} MiB are in use`);
  });

  it("counts every instance of a multi-instance launch", () => {
    expect(() => admit(micro * 3, 0, 128, 3, "t3.micro")).not.toThrow();
    expect(() => admit(micro * 3, 0, 128, 4, "t3.micro")).toThrow(/4 t3\.micro/);
  });

  it("takes half the device memory as the default budget", () => {
    expect(defaultMemoryBudgetMib(8)).toBe(4096);
    expect(defaultMemoryBudgetMib(undefined)).toBe(2048);
    expect(defaultMemoryBudgetMib(0.5)).toBe(256);
  });
});
