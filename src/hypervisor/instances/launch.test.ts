/**
 * EC2's RunInstances and what the boot hands the worker: the checks that create nothing when
 * they fail, what each new instance is, and the boot spec (files, volumes, command line, a
 * resumed state), through a real hypervisor over fake workers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { OVERLAY_BLOCK_BYTES } from "../../disk/blockOverlay.ts";
import { instanceFootprintMib } from "../capacity/memoryBudget.ts";
import type { RunInstancesRequest } from "../hypervisor.ts";
import {
  agentOk,
  describeOne,
  EBS_IMAGE_ID,
  fakeFleet,
  INSTANCE_STORE_IMAGE_ID,
  isState,
  launch,
  launchRunning,
  stopped,
  volumeAt,
  waitForInstance,
  type FakeFleet,
} from "../testing/fakeFleet.ts";
import { TEST_ROOT_VOLUME_BYTES } from "../testing/testImages.ts";
import type { Instance } from "./instance.ts";

let fleet: FakeFleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

async function open(options: Parameters<typeof fakeFleet>[0] = {}): Promise<FakeFleet> {
  fleet = await fakeFleet(options);
  return fleet;
}

describe("runInstances", () => {
  it("returns each instance pending, with a root volume of its own that goes with it", async () => {
    const { hypervisor } = await open();
    const launched = await hypervisor.runInstances({
      imageId: EBS_IMAGE_ID,
      instanceType: "t3.small",
      count: 2,
      tags: [{ key: "Name", value: "web" }],
      disableApiTermination: true,
      instanceInitiatedShutdownBehavior: "terminate",
    });
    expect(launched).toHaveLength(2);
    for (const instance of launched) {
      expect(instance).toMatchObject({
        state: { name: "pending", code: 0 },
        imageId: EBS_IMAGE_ID,
        instanceType: "t3.small",
        memoryMib: 256,
        rootDeviceType: "ebs",
        tags: [{ key: "Name", value: "web" }],
        disableApiTermination: true,
        instanceInitiatedShutdownBehavior: "terminate",
        cpuCredits: "unlimited",
        statusChecks: { system: "initializing", instance: "initializing" },
      });
      expect(volumeAt(hypervisor, instance.instanceId, "/dev/sda")).toMatchObject({
        sizeBytes: TEST_ROOT_VOLUME_BYTES,
        attachments: [{ deleteOnTermination: true }],
      });
    }
    expect(new Set(launched.map((instance) => instance.instanceId)).size).toBe(2);
  });

  it("gives an instance-store instance no volume, and a fixed-performance type no credits", async () => {
    const { hypervisor } = await open();
    const [instance] = await hypervisor.runInstances({ imageId: INSTANCE_STORE_IMAGE_ID, instanceType: "c5.large" });
    expect(instance).toMatchObject({ rootDeviceType: "instance-store", cpuCredits: null });
    expect(hypervisor.describeVolumes()).toEqual([]);
  });

  it.each<[string, RunInstancesRequest, Parameters<typeof fakeFleet>[0], string]>([
    ["more instances than the limit", { count: 3 }, { instanceLimit: 2 }, "InstanceLimitExceeded"],
    ["more memory than the host has", { count: 2 }, { memoryBudgetMib: 2 * instanceFootprintMib(128) - 1 }, "InsufficientInstanceCapacity"],
    ["a type too small for the image", { instanceType: "t3.nano" }, {}, "InvalidParameterValue"],
    ["an image that does not exist", { imageId: "ami-0123456789abcdef0" }, {}, "InvalidAMIID.NotFound"],
    ["a dry run", { dryRun: true }, {}, "DryRunOperation"],
  ])("with %s creates nothing", async (_, request, options, code) => {
    const { hypervisor, host } = await open(options);
    await expect(hypervisor.runInstances(request)).rejects.toMatchObject({ code });
    expect(hypervisor.describeInstances()).toEqual([]);
    expect(hypervisor.describeVolumes()).toEqual([]);
    expect(host.workers).toEqual([]);
  });

  it("counts only live instances toward the limit", async () => {
    const current = await open({ instanceLimit: 1 });
    const { instanceId } = await launchRunning(current);
    await expect(current.hypervisor.runInstances()).rejects.toMatchObject({ code: "InstanceLimitExceeded" });
    await current.hypervisor.terminateInstances([instanceId]);
    await expect(current.hypervisor.runInstances()).resolves.toHaveLength(1);
  });

  it("shows the image's download while pending, then none", async () => {
    const current = await open();
    const progress: Instance["launchProgress"][] = [];
    current.hypervisor.subscribe((event) => {
      if (event.type === "instance-changed") progress.push(event.instance.launchProgress);
    });
    const { instanceId } = await launch(current);
    await waitForInstance(current.hypervisor, instanceId, isState("running"));
    const downloads = progress.filter((seen) => seen !== null);
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.at(-1)?.loadedBytes).toBe(downloads.at(-1)?.totalBytes);
    expect(describeOne(current.hypervisor, instanceId).launchProgress).toBeNull();
  });

  it("runs the user data once the agent is ready, and passes the check after it", async () => {
    const current = await open();
    const { instanceId } = await launchRunning(current, { userData: "#!/bin/sh\ntouch /root/ran\n" }, "booting");
    const worker = current.host.workerOf(instanceId);
    worker.agentReady();
    await waitForInstance(current.hypervisor, instanceId, agentOk);
    expect(worker.callsOf("exec")).toHaveLength(1);
    expect(String(worker.callsOf("exec")[0]?.args[0])).toContain("/var/lib/tabcloud/user-data");
  });
});

describe("the boot spec", () => {
  it("holds the image's files, the instance's memory and its part of the kernel command line", async () => {
    const current = await open();
    const { instanceId } = await launchRunning(current, { instanceType: "t3.small", terminalSize: { rows: 40, cols: 120 } });
    const spec = current.host.workerOf(instanceId).bootSpec;
    expect(spec).toMatchObject({
      instanceId,
      memoryMib: 256,
      kernelCommandLine: `console=ttyS0 root=/dev/sda tabcloud.hostname=${instanceId} tabcloud.rows=40 tabcloud.cols=120`,
    });
    expect(new Uint8Array(spec?.kernel ?? new ArrayBuffer(0))).toEqual(new Uint8Array(1024).fill(0x4b));
    expect(spec?.rootVolume).toMatchObject({ sizeBytes: TEST_ROOT_VOLUME_BYTES, writtenBlocks: new Map() });
    expect(spec?.rootVolume.base?.byteLength).toBe(TEST_ROOT_VOLUME_BYTES);
    expect(spec?.dataVolume).toBeUndefined();
  });

  it("gives a size set while stopped to the next boot", async () => {
    const current = await open();
    const { instanceId } = await launchRunning(current);
    await stopped(current, instanceId);
    await current.hypervisor.setTerminalSize(instanceId, { rows: 50, cols: 200 });
    await current.hypervisor.startInstances([instanceId]);
    await waitForInstance(current.hypervisor, instanceId, isState("running"));
    expect(current.host.workerOf(instanceId).bootSpec?.kernelCommandLine).toContain("tabcloud.rows=50 tabcloud.cols=200");
  });

  it("holds an attached data volume with its blocks, and the data disk's last writes reach it at the stop", async () => {
    const current = await open();
    const { instanceId } = await launchRunning(current);
    await stopped(current, instanceId);
    const volume = await current.hypervisor.createVolume({ sizeMib: 1 });
    await current.hypervisor.attachVolume(volume.volumeId, instanceId);
    await current.hypervisor.startInstances([instanceId]);
    await waitForInstance(current.hypervisor, instanceId, isState("running"));
    const worker = current.host.workerOf(instanceId);
    expect(worker.bootSpec?.dataVolume).toMatchObject({ base: null, sizeBytes: 1024 * 1024, writtenBlocks: new Map() });
    worker.write("data", new Map([[7, new Uint8Array(OVERLAY_BLOCK_BYTES).fill(1)]]));
    await stopped(current, instanceId);
    expect(current.hypervisor.describeVolumes({ volumeIds: [volume.volumeId] })[0]?.writtenBytes).toBe(OVERLAY_BLOCK_BYTES);
  });

  it("marks the data volume in-memory when the hypervisor is told to (the volume-io yardstick)", async () => {
    const current = await open({ dataVolumesInMemory: true });
    const { instanceId } = await launchRunning(current);
    await stopped(current, instanceId);
    const volume = await current.hypervisor.createVolume({ sizeMib: 1 });
    await current.hypervisor.attachVolume(volume.volumeId, instanceId);
    await current.hypervisor.startInstances([instanceId]);
    await waitForInstance(current.hypervisor, instanceId, isState("running"));
    expect(current.host.workerOf(instanceId).bootSpec?.dataVolume?.inMemory).toBe(true);
  });

  it("keeps an instance-store root's writes in memory across a guest reboot", async () => {
    const current = await open();
    const { instanceId } = await launchRunning(current, { imageId: INSTANCE_STORE_IMAGE_ID });
    const first = current.host.workerOf(instanceId);
    expect(first.bootSpec?.rootVolume.base?.byteLength).toBe(TEST_ROOT_VOLUME_BYTES);
    first.write("root", new Map([[3, new Uint8Array(OVERLAY_BLOCK_BYTES).fill(8)]]));
    first.guestReboot();
    await expect
      .poll(() => current.host.workerOf(instanceId).bootSpec !== null && current.host.workersOf(instanceId).length === 2)
      .toBe(true);
    expect(current.host.workerOf(instanceId).bootSpec?.rootVolume.writtenBlocks.get(3)?.[0]).toBe(8);
  });
});
