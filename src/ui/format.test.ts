import { describe, expect, it } from "vitest";
import { usd } from "./format.ts";

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
