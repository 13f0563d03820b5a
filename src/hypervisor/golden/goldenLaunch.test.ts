import { describe, expect, it } from "vitest";
import type { EmulatorDevices } from "../../worker/api.ts";
import { testRecord } from "../testing/records.ts";
import type { Remote } from "comlink";
import type { GuestIdentity } from "../../guest/protocol.ts";
import type { InstanceWorkerApi } from "../../worker/api.ts";
import { goldenConsolePreface, goldenIdentityForBoot, personalise } from "./goldenLaunch.ts";

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

describe("telling a restored guest who it is", () => {
  function worker(hostname: string) {
    const calls: { identities: GuestIdentity[]; scripts: string[] } = { identities: [], scripts: [] };
    const api = {
      personalise: async (identity: GuestIdentity) => (calls.identities.push(identity), { ok: true as const, value: undefined }),
      exec: async (script: string) => (
        calls.scripts.push(script),
        { ok: true as const, value: { exitCode: 0, stdout: `${hostname}\n`, stderr: "" } }
      ),
    };
    return { api: api as unknown as Remote<InstanceWorkerApi>, calls };
  }

  it("asks an agent of version 2 in one request, with a fresh seed and the interface's MAC", async () => {
    const record = testRecord({}, { hasRun: false });
    const { api, calls } = worker(record.instance.instanceId);
    expect((await personalise(api, record, "02:1A:2B:3C:4D:5E", 2)).ok).toBe(true);
    expect((await personalise(api, record, null, 2)).ok).toBe(true);
    expect(calls.scripts).toEqual([]);
    const [first, second] = calls.identities;
    expect(first).toMatchObject({ hostname: record.instance.instanceId, macAddress: "02:1a:2b:3c:4d:5e" });
    expect(second?.macAddress).toBeNull();
    expect(first?.seed).not.toEqual(second?.seed);
  });

  it("runs the script on an older agent, and checks it answered as this instance", async () => {
    const record = testRecord({}, { hasRun: false });
    const { api, calls } = worker(record.instance.instanceId);
    expect((await personalise(api, record, null, 1)).ok).toBe(true);
    expect(calls.identities).toEqual([]);
    expect(calls.scripts[0]).toContain(`echo ${record.instance.instanceId} > /proc/sys/kernel/hostname`);
    const wrong = worker("tabcloud");
    expect((await personalise(wrong.api, record, null, 1)).ok).toBe(false);
  });
});
