import { describe, expect, it } from "vitest";
import { bytes, duration, usd, wholePct } from "./format.ts";

describe("usd", () => {
  it.each([
    [0, "$0.00"],
    [12.345, "$12.35"],
    [1234.5, "$1,234.50"],
    [0.5, "$0.50"],
    [0.0104, "$0.0104"],
    [0.000173, "$0.0002"],
    // A pending instance's first fraction of a second of storage: too small to read, so none.
    [0.000000000877, "$0.00"],
    [0.0000000123, "$0.00"],
  ])("writes %d as %s", (amount, text) => {
    expect(usd(amount)).toBe(text);
  });
});

describe("duration", () => {
  it.each([
    [0, "0 s"],
    [42.6, "42 s"],
    [60, "1 min"],
    [125, "2 min"],
    [3600, "1 h"],
    [3900, "1 h 5 min"],
    [90_000, "1 d 1 h"],
  ])("writes %d seconds as %s", (seconds, text) => {
    expect(duration(seconds)).toBe(text);
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
