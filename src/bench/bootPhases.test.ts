import { describe, expect, it } from "vitest";
import { parseUptimeAndInitStart } from "./bootPhases.ts";

describe("reading the guest's clock for the boot phases", () => {
  it("takes the uptime and init's start time (clock ticks) from /proc", () => {
    const stat = "1 (init) S 0 1 1 0 -1 4194560 236 4390 3 12 5 16 29 33 20 0 1 0 97 2338816 143 4294967295";
    expect(parseUptimeAndInitStart(`3.41 2.10\n${stat}\n`)).toEqual({ uptimeS: 3.41, initStartS: 0.97 });
  });

  it("finds the fields after a command name with spaces and parentheses in it", () => {
    const stat = "1 (my (init) x) S 0 1 1 0 -1 4194560 236 4390 3 12 5 16 29 33 20 0 1 0 120 2338816";
    expect(parseUptimeAndInitStart(`9.00 1.00\n${stat}`)?.initStartS).toBe(1.2);
  });

  it("says nothing when the output is not what /proc prints", () => {
    expect(parseUptimeAndInitStart("cat: can't open '/proc/uptime'")).toBeNull();
  });
});
