import { describe, expect, it } from "vitest";
import { bytes, usd, wholePct } from "./format.ts";

describe("usd", () => {
  it.each([
    [0, "$0.00"],
    [12.345, "$12.35"],
    [0.5, "$0.5000"],
    [0.000173, "$0.000173"],
    [0.0000000123, "$0.0000000123"],
  ])("writes %d as %s", (amount, text) => {
    expect(usd(amount)).toBe(text);
  });
});

describe("bytes", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [4096, "4.0 KiB"],
    [1503744, "1.4 MiB"],
    [16 * 1024 * 1024, "16 MiB"],
    [1.5 * 1024 ** 3, "1.5 GiB"],
  ])("writes %d as %s", (count, text) => {
    expect(bytes(count)).toBe(text);
  });
});

describe("wholePct", () => {
  it("rounds down, so only a finished whole shows 100", () => {
    expect(wholePct(999, 1000)).toBe(99);
    expect(wholePct(1000, 1000)).toBe(100);
    expect(wholePct(5, 0)).toBe(0);
  });
});
