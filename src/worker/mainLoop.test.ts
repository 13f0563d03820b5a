import { describe, expect, it } from "vitest";
import { idleSleepMs } from "./mainLoop.ts";

const apicIn = (ms: number) => ({ apic_timer: () => ms });

describe("idleSleepMs", () => {
  it("sleeps as long as v86 asks when a timer is due within its longest sleep", () => {
    expect(idleSleepMs(apicIn(5000), 0.3, 0)).toBe(0.3);
    expect(idleSleepMs(apicIn(5000), 99, 0)).toBe(99);
  });

  it("sleeps until the APIC's next interrupt when v86 asks for its longest sleep, a second at most", () => {
    expect(idleSleepMs(apicIn(450), 100, 0)).toBe(450);
    expect(idleSleepMs(apicIn(4000), 100, 0)).toBe(1000);
  });

  it("keeps v86's sleep when no APIC timer is armed or none can be read", () => {
    expect(idleSleepMs(apicIn(100), 100, 0)).toBe(100);
    expect(idleSleepMs({}, 100, 0)).toBe(100);
    expect(idleSleepMs(undefined, 100, 0)).toBe(100);
  });
});
