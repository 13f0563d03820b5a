import { describe, expect, it } from "vitest";
import { parseUptimeAndInitStart } from "./bootPhases.ts";

describe("reading the guest's clock for the boot phases", () => {
  it("takes the uptime now and the uptime rcS noted as it started", () => {
    expect(parseUptimeAndInitStart("3.41 2.10\n0.97\n")).toEqual({ uptimeS: 3.41, initStartS: 0.97 });
  });

  it("says nothing when the output is not what the guest prints", () => {
    expect(parseUptimeAndInitStart("3.41 2.10\ncat: can't open '/run/tabcloud/init-uptime'")).toBeNull();
    expect(parseUptimeAndInitStart("3.41 2.10")).toBeNull();
  });
});
