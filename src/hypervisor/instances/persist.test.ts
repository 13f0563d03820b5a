import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Persistence } from "../../persistence/persistence.ts";
import type { StoredInstance } from "../../persistence/database.ts";
import { CreditAccount } from "../capacity/cpuCredits.ts";
import { findInstanceType } from "./instanceTypes.ts";
import { InstanceMeter } from "../metering/meter.ts";
import { inState, testPersistence, testRecord } from "../testing/records.ts";
import { instanceState, NO_NETWORK } from "./instance.ts";
import { INSTANCE_RECORD_VERSION, InstancePersistence, readBack, toStored } from "./persist.ts";
import type { InstanceRecord } from "./record.ts";

const SAVED_AT_MS = 1_767_225_600_000;

/** A stored record as IndexedDB gives it back: a structured clone, typed as the store types it. */
function kept(record: InstanceRecord): { -readonly [K in keyof StoredInstance]: StoredInstance[K] } {
  return structuredClone(toStored(record, SAVED_AT_MS));
}

function burstableRecord(): InstanceRecord {
  const meter = new InstanceMeter(16 * 1024, 1000);
  meter.startRun(0.0104, 2000);
  meter.endRun(62_000);
  const type = findInstanceType("t3.micro");
  if (!type?.burstable) throw new Error("t3.micro is burstable");
  return testRecord(
    {
      state: instanceState("stopped"),
      tags: [{ key: "Name", value: "kept" }],
      cpuCredits: "standard",
      hibernated: true,
      hibernationOptions: { configured: true },
    },
    {
      rootVolumeId: "vol-0123456789abcdef0",
      userData: "#!/bin/sh\necho hi\n",
      hasRun: true,
      terminalSize: { rows: 40, cols: 120 },
      meter,
      credits: new CreditAccount(type.burstable, "standard", 12.5, 0),
    },
  );
}

describe("a stored instance record", () => {
  it("round-trips: the instance, its configuration, meter and credits come back as they were", () => {
    const record = burstableRecord();
    const read = readBack(kept(record));
    if (!read.ok) throw new Error(read.reason);
    expect(read.instance).toEqual(record.instance);
    expect(read.savedAtMs).toBe(SAVED_AT_MS);
    expect(read.config.image).toEqual(record.config.image);
    expect(read.config.rootVolumeId).toBe("vol-0123456789abcdef0");
    expect(read.config.userData).toBe("#!/bin/sh\necho hi\n");
    expect(read.config.terminalSize).toEqual({ rows: 40, cols: 120 });
    expect(read.config.meter.toState()).toEqual(record.config.meter.toState());
    expect(read.config.credits).toMatchObject({ mode: "standard", balance: 12.5, surplus: 0 });
  });

  it("is written with its layout's version", () => {
    expect(toStored(testRecord(), SAVED_AT_MS).version).toBe(INSTANCE_RECORD_VERSION);
  });

  it("of an instance-store root keeps no root volume id", () => {
    const read = readBack(kept(testRecord({ rootDeviceType: "instance-store" }, { rootVolumeId: null })));
    if (!read.ok) throw new Error(read.reason);
    expect(read.config.rootVolumeId).toBeNull();
  });

  it("written by version 1 (no version field, no hibernated or launchProgress) reads back, without hibernation", () => {
    const record = burstableRecord();
    const { version, ...v1 } = kept(record);
    expect(version).toBe(4);
    const { hibernated, launchProgress, hibernationOptions, ...instanceV1 } = v1["instance"] as Record<string, unknown>;
    expect([hibernated, launchProgress, hibernationOptions]).toEqual([true, null, { configured: true }]);
    const read = readBack({ ...v1, instance: instanceV1 as StoredInstance["instance"] });
    if (!read.ok) throw new Error(read.reason);
    expect(read.instance).toEqual({
      ...record.instance,
      hibernated: false,
      hibernationOptions: { configured: false },
      launchProgress: null,
    });
    expect(read.config.meter.toState()).toEqual(record.config.meter.toState());
  });

  it("written by version 3 (no network) reads back as an instance with no network, its user data kept to run", () => {
    const record = testRecord(
      {
        vpcId: "vpc-0123456789abcdef0",
        subnetId: "subnet-0123456789abcdef0",
        privateIpAddress: "172.31.0.4",
        privateDnsName: "ip-172-31-0-4.ec2.internal",
      },
      { userData: "echo hi", launchUserData: "echo hi", networkInterfaceId: "eni-0123456789abcdef0" },
    );
    const stored = kept(record) as Record<string, unknown>;
    const { vpcId, subnetId, privateIpAddress, privateDnsName, placement, publicIpAddress, publicDnsName, ...instanceV3 } = stored[
      "instance"
    ] as Record<string, unknown>;
    expect([vpcId, subnetId, privateIpAddress, privateDnsName]).toEqual([
      "vpc-0123456789abcdef0",
      "subnet-0123456789abcdef0",
      "172.31.0.4",
      "ip-172-31-0-4.ec2.internal",
    ]);
    expect([placement, publicIpAddress, publicDnsName]).toEqual([{ availabilityZone: null }, null, ""]);
    const { launchUserData, networkInterfaceId, associatePublicIpAddress: _, ...v3 } = stored;
    expect([launchUserData, networkInterfaceId]).toEqual(["echo hi", "eni-0123456789abcdef0"]);
    const read = readBack({ ...v3, version: 3, instance: instanceV3 } as unknown as StoredInstance);
    if (!read.ok) throw new Error(read.reason);
    expect(read.instance).toEqual({ ...record.instance, ...NO_NETWORK });
    expect([read.config.userData, read.config.launchUserData, read.config.networkInterfaceId]).toEqual(["echo hi", null, null]);
  });

  it.each([
    ["hibernated", { hibernated: true }, true],
    [
      "hibernating when kept",
      { state: instanceState("stopping"), stateReason: { code: "Client.UserInitiatedHibernate", message: "" } },
      true,
    ],
    ["stopped", {}, false],
  ] as const)("written by version 2 (no hibernationOptions) of an instance %s may hibernate: %s", (_, instance, configured) => {
    const record = testRecord({ ...instance, hibernationOptions: { configured: !configured } });
    const { hibernationOptions, ...instanceV2 } = kept(record)["instance"] as Record<string, unknown>;
    expect(hibernationOptions).toEqual({ configured: !configured });
    const read = readBack({ ...kept(record), version: 2, instance: instanceV2 as StoredInstance["instance"] });
    if (!read.ok) throw new Error(read.reason);
    expect(read.instance.hibernationOptions).toEqual({ configured });
  });

  it.each([
    [
      "instance.state.name",
      (stored: Record<string, unknown>) => ((stored["instance"] as { state: unknown }).state = { name: "flying", code: 1 }),
    ],
    ["meter.runs", (stored: Record<string, unknown>) => delete (stored["meter"] as Record<string, unknown>)["runs"]],
    ["terminalSize.rows", (stored: Record<string, unknown>) => ((stored["terminalSize"] as { rows: unknown }).rows = 24.5)],
    [
      "image.files.kernel.sha256",
      (stored: Record<string, unknown>) => ((stored["image"] as { files: { kernel: { sha256: string } } }).files.kernel.sha256 = "zz"),
    ],
    ["version", (stored: Record<string, unknown>) => (stored["version"] = 99)],
  ])("damaged at %s is refused with a reason naming the field", (field, damage) => {
    const record = burstableRecord();
    const stored = kept(record);
    damage(stored);
    const read = readBack(stored);
    expect(read).toEqual({
      ok: false,
      instanceId: record.instance.instanceId,
      reason: expect.stringMatching(new RegExp(`^its stored record is not valid \\(${field.replaceAll(".", "\\.")}: `)),
    });
  });

  it("without an instance at all is refused as an unknown instance", () => {
    const read = readBack({ version: 2 } as unknown as StoredInstance);
    expect(read).toMatchObject({ ok: false, instanceId: "(unknown)", reason: expect.stringContaining("instance") });
  });

  it("of an instance type no longer offered is refused, naming the type", () => {
    const stored = kept(testRecord());
    stored.instance = { ...stored.instance, instanceType: "x9.huge" } as StoredInstance["instance"];
    expect(readBack(stored)).toMatchObject({ ok: false, reason: "its instance type x9.huge is no longer offered" });
  });
});

describe("saving records", () => {
  let persistence: Persistence;
  beforeEach(async () => {
    persistence = await testPersistence();
  });
  afterEach(() => persistence.close());

  it("stores the record where a reload reads it back", async () => {
    const record = burstableRecord();
    const saver = new InstancePersistence({ fleet: persistence.fleet, isListed: () => true });
    await saver.save(record);
    const [stored] = await persistence.fleet.instances();
    const read = readBack(stored as StoredInstance);
    expect(read).toMatchObject({ ok: true, instance: record.instance });
  });

  it("collapses saves asked for while one is queued, and runs one more after a save under way", async () => {
    const record = testRecord();
    const puts = vi.spyOn(persistence.fleet, "putInstances");
    const saver = new InstancePersistence({ fleet: persistence.fleet, isListed: () => true });
    void saver.save(record);
    void saver.save(record);
    await saver.save(record);
    expect(puts).toHaveBeenCalledTimes(1);

    let finish = () => undefined as void;
    puts.mockImplementationOnce(() => new Promise<void>((resolve) => (finish = resolve)));
    const first = saver.save(record);
    await vi.waitFor(() => expect(puts).toHaveBeenCalledTimes(2));
    record.instance = { ...record.instance, tags: [{ key: "Name", value: "later" }] };
    const second = saver.save(record);
    void saver.save(record);
    finish();
    await Promise.all([first, second]);
    expect(puts).toHaveBeenCalledTimes(3);
    expect(puts.mock.calls[2]?.[0]).toMatchObject([{ instance: { tags: [{ key: "Name", value: "later" }] } }]);
  });

  it("writes the saves of many instances asked for together in one transaction", async () => {
    const records = Array.from({ length: 16 }, () => testRecord());
    const puts = vi.spyOn(persistence.fleet, "putInstances");
    const saver = new InstancePersistence({ fleet: persistence.fleet, isListed: () => true });
    await Promise.all(records.map((record) => saver.save(record)));
    expect(puts).toHaveBeenCalledTimes(1);
    expect(await persistence.fleet.instances()).toHaveLength(16);
  });

  it("does not write back a terminated instance whose listing expired, nor anything once closed", async () => {
    const puts = vi.spyOn(persistence.fleet, "putInstances");
    const saver = new InstancePersistence({ fleet: persistence.fleet, isListed: () => false });
    await saver.save(inState("terminated"));
    expect(puts.mock.calls.flatMap(([stored]) => stored)).toEqual([]);
    await saver.save(inState("stopped"));
    expect(puts.mock.calls.flatMap(([stored]) => stored)).toHaveLength(1);
    saver.close();
    await saver.save(inState("stopped"));
    expect(puts.mock.calls.flatMap(([stored]) => stored)).toHaveLength(1);
  });

  it("keeps going after a failed write: the next change tries again", async () => {
    const record = testRecord();
    const puts = vi.spyOn(persistence.fleet, "putInstances").mockRejectedValueOnce(new Error("QuotaExceededError"));
    const saver = new InstancePersistence({ fleet: persistence.fleet, isListed: () => true });
    await expect(saver.save(record)).resolves.toBeUndefined();
    await saver.save(record);
    expect(puts).toHaveBeenCalledTimes(2);
    expect(await persistence.fleet.instances()).toHaveLength(1);
  });
});
