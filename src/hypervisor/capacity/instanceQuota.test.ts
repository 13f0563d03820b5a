import { describe, expect, it } from "vitest";
import { checkQuotaIncrease, defaultInstanceQuota, MAX_INSTANCE_QUOTA, MIN_DEFAULT_INSTANCE_QUOTA } from "./instanceQuota.ts";
import { instanceFootprintMib } from "./memoryBudget.ts";

describe("instance quota", () => {
  it("defaults to what the memory budget holds of the smallest type", () => {
    const footprint = instanceFootprintMib(64);
    expect(defaultInstanceQuota(footprint * 16, 64)).toBe(16);
    expect(defaultInstanceQuota(footprint * 16 + footprint - 1, 64)).toBe(16);
  });

  it("is at least eight (stopped instances count but hold no memory) and at most what a tab holds", () => {
    expect(defaultInstanceQuota(10, 64)).toBe(MIN_DEFAULT_INSTANCE_QUOTA);
    expect(defaultInstanceQuota(instanceFootprintMib(64) * 2, 64)).toBe(8);
    expect(defaultInstanceQuota(1024 * 1024, 64)).toBe(MAX_INSTANCE_QUOTA);
  });

  it.each([
    [8, 8.5, /whole number/],
    [8, Number.NaN, /whole number/],
    [8, 8, /does not raise/],
    [8, 4, /does not raise/],
    [8, MAX_INSTANCE_QUOTA + 1, /most a tab can hold/],
  ])("refuses %s → %s", (current, desired, message) => {
    expect(() => checkQuotaIncrease(current, desired)).toThrow(
      expect.objectContaining({ code: "InvalidParameterValue", message: expect.stringMatching(message) }),
    );
  });

  it("takes a raise", () => {
    expect(checkQuotaIncrease(8, 16)).toBe(16);
  });
});
