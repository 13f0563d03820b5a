import { describe, expect, it } from "vitest";
import { flakySummary } from "./flakyReporter.ts";

describe("flakySummary", () => {
  it("says nothing when no test needed a retry", () => {
    expect(flakySummary([])).toEqual([]);
  });

  it("counts and names each test that passed only on a retry", () => {
    expect(
      flakySummary([
        { name: "tests/integration/boot.test.ts > boot > prompt", retries: 1 },
        { name: "tests/integration/labs.test.ts > labs > check", retries: 2 },
      ]),
    ).toEqual([
      "2 flaky (passed only on a retry):",
      "  tests/integration/boot.test.ts > boot > prompt (retried 1 time)",
      "  tests/integration/labs.test.ts > labs > check (retried 2 times)",
    ]);
  });
});
