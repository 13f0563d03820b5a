import { describe, expect, it } from "vitest";
import type { EmulatorDevices } from "../../worker/api.ts";
import { testRecord } from "../testing/records.ts";
import { goldenConsolePreface, goldenIdentityForBoot } from "./goldenLaunch.ts";

const devices: EmulatorDevices = { nic: { type: "virtio", mtu: 1500, macAddress: "02:00:00:00:00:01" } };

describe("which boots start from a golden state", () => {
  it("the first boot of a fresh instance, for its memory size", () => {
    const record = testRecord({ memoryMib: 512 }, { hasRun: false });
    expect(goldenIdentityForBoot(record, null, devices, false)).toMatchObject({ imageId: record.config.image.imageId, memoryMib: 512 });
  });

  it("not a start after a stop, a resume, or a boot with a data volume", () => {
    expect(goldenIdentityForBoot(testRecord({}, { hasRun: true }), null, devices, false)).toBeNull();
    const hibernated = testRecord({}, { hasRun: false });
    hibernated.runtime.hibernation = { state: new ArrayBuffer(1), devices };
    expect(goldenIdentityForBoot(hibernated, null, devices, false)).toBeNull();
    expect(goldenIdentityForBoot(testRecord({}, { hasRun: false }), null, devices, true)).toBeNull();
  });

  it("says on the console where the boot messages come from", () => {
    const text = goldenConsolePreface("ami-0123456789abcdef0", "2026-12-01T10:00:00.000Z", "Linux booted\r\n");
    expect(text).toMatch(
      /^\[tabcloud\] This instance started from the boot snapshot of ami-0123456789abcdef0 \(saved 2026-12-01T10:00:00.000Z\)/,
    );
    expect(text.endsWith("Linux booted\r\n")).toBe(true);
  });
});
