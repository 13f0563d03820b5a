/**
 * EC2's EBS actions through a real hypervisor over fake workers: what volumes allow beyond the
 * instance's state (in use, the second disk taken, a root volume), snapshots of what a running
 * guest wrote last, export and import, and the storage bill.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OVERLAY_BLOCK_BYTES } from "../../disk/blockOverlay.ts";
import { fakeFleet, isState, launchRunning, stopped, volumeAt, waitForInstance, type FakeFleet } from "../testing/fakeFleet.ts";
import { TEST_ROOT_VOLUME_BYTES } from "../testing/testImages.ts";

let fleet: FakeFleet;
beforeEach(async () => {
  fleet = await fakeFleet();
});
afterEach(() => fleet.close());

const block = (fill: number) => new Uint8Array(OVERLAY_BLOCK_BYTES).fill(fill);

/** A stopped instance, ready for a volume. */
async function stoppedInstance(): Promise<string> {
  const { instanceId } = await launchRunning(fleet);
  await stopped(fleet, instanceId);
  return instanceId;
}

describe("attaching and detaching", () => {
  it("refuses a volume attached elsewhere with VolumeInUse, and a second data volume with InvalidDevice.InUse", async () => {
    const first = await stoppedInstance();
    const second = await stoppedInstance();
    const volume = await fleet.hypervisor.createVolume({ sizeMib: 1 });
    const other = await fleet.hypervisor.createVolume({ sizeMib: 1 });
    await fleet.hypervisor.attachVolume(volume.volumeId, first);
    await expect(fleet.hypervisor.attachVolume(volume.volumeId, second)).rejects.toMatchObject({
      code: "VolumeInUse",
      message: expect.stringContaining(first),
    });
    await expect(fleet.hypervisor.attachVolume(other.volumeId, first)).rejects.toMatchObject({ code: "InvalidDevice.InUse" });
    const root = volumeAt(fleet.hypervisor, first, "/dev/sda");
    await expect(fleet.hypervisor.attachVolume(root?.volumeId ?? "", second)).rejects.toMatchObject({ code: "VolumeInUse" });
    expect(fleet.hypervisor.describeVolumes({ volumeIds: [other.volumeId] })[0]?.state).toBe("available");
  });

  it("refuses to detach a root volume, or a volume attached to nothing", async () => {
    const instanceId = await stoppedInstance();
    const root = volumeAt(fleet.hypervisor, instanceId, "/dev/sda");
    await expect(fleet.hypervisor.detachVolume(root?.volumeId ?? "")).rejects.toMatchObject({ code: "OperationNotPermitted" });
    const loose = await fleet.hypervisor.createVolume({ sizeMib: 1 });
    await expect(fleet.hypervisor.detachVolume(loose.volumeId)).rejects.toMatchObject({ code: "IncorrectState" });
  });

  it("deletes a volume only once it is detached", async () => {
    const instanceId = await stoppedInstance();
    const volume = await fleet.hypervisor.createVolume({ sizeMib: 1 });
    await fleet.hypervisor.attachVolume(volume.volumeId, instanceId);
    await expect(fleet.hypervisor.deleteVolume(volume.volumeId)).rejects.toMatchObject({ code: "VolumeInUse" });
    await fleet.hypervisor.detachVolume(volume.volumeId);
    await fleet.hypervisor.deleteVolume(volume.volumeId);
    await expect(async () => fleet.hypervisor.describeVolumes({ volumeIds: [volume.volumeId] })).rejects.toMatchObject({
      code: "InvalidVolume.NotFound",
    });
  });
});

describe("snapshots", () => {
  it("of a running instance's root hold what its guest wrote last, and a volume made from one holds it too", async () => {
    const { instanceId } = await launchRunning(fleet);
    fleet.host.workerOf(instanceId).write("root", new Map([[1, block(6)]]));
    const root = volumeAt(fleet.hypervisor, instanceId, "/dev/sda");
    const snapshot = await fleet.hypervisor.createSnapshot(root?.volumeId ?? "", "before the upgrade");
    expect(snapshot).toMatchObject({
      volumeId: root?.volumeId,
      volumeSizeBytes: TEST_ROOT_VOLUME_BYTES,
      description: "before the upgrade",
    });

    const copy = await fleet.hypervisor.createVolume({ snapshotId: snapshot.snapshotId });
    expect(copy).toMatchObject({ snapshotId: snapshot.snapshotId, sizeBytes: TEST_ROOT_VOLUME_BYTES, writtenBytes: OVERLAY_BLOCK_BYTES });
    const other = await stoppedInstance();
    await fleet.hypervisor.attachVolume(copy.volumeId, other);
    await fleet.hypervisor.startInstances([other]);
    await waitForInstance(fleet.hypervisor, other, isState("running"));
    const data = fleet.host.workerOf(other).bootSpec?.dataVolume;
    expect(data?.writtenBlocks.get(1)?.[0]).toBe(6);
    // A volume from a root snapshot reads the image's disk where nothing was written.
    expect(data?.base?.byteLength).toBe(TEST_ROOT_VOLUME_BYTES);
  });

  it("of an image's root cannot be deleted until the image is deregistered", async () => {
    const instanceId = await stoppedInstance();
    const image = await fleet.hypervisor.createImage(instanceId, { name: "kept image" });
    const snapshotId = image.rootSnapshotId ?? "";
    await expect(fleet.hypervisor.deleteSnapshot(snapshotId)).rejects.toMatchObject({
      code: "InvalidSnapshot.InUse",
      message: expect.stringContaining(image.imageId),
    });
    await fleet.hypervisor.deregisterImage(image.imageId);
    await fleet.hypervisor.deleteSnapshot(snapshotId);
    expect(fleet.hypervisor.describeSnapshots()).toEqual([]);
  });
});

describe("export and import", () => {
  it("exports a running instance's root as a raw disk: the image's bytes with its latest writes laid over", async () => {
    const { instanceId } = await launchRunning(fleet);
    fleet.host.workerOf(instanceId).write("root", new Map([[2, block(0xee)]]));
    const bytes = await fleet.hypervisor.exportVolume(volumeAt(fleet.hypervisor, instanceId, "/dev/sda")?.volumeId ?? "");
    expect(bytes.byteLength).toBe(TEST_ROOT_VOLUME_BYTES);
    expect(bytes[0]).toBe(0x52);
    expect(bytes[2 * OVERLAY_BLOCK_BYTES]).toBe(0xee);
  });

  it("imports a raw disk as an available volume that keeps only its non-zero blocks", async () => {
    const disk = new Uint8Array(3 * OVERLAY_BLOCK_BYTES + 10);
    disk.set(block(1), OVERLAY_BLOCK_BYTES);
    const volume = await fleet.hypervisor.importVolume(disk, { name: "from disk" });
    expect(volume).toMatchObject({
      state: "available",
      sizeBytes: 4 * OVERLAY_BLOCK_BYTES,
      writtenBytes: OVERLAY_BLOCK_BYTES,
      tags: [{ key: "Name", value: "from disk" }],
    });
    const exported = await fleet.hypervisor.exportVolume(volume.volumeId);
    expect(exported.subarray(0, disk.byteLength)).toEqual(disk);
  });
});

describe("the storage bill", () => {
  it("counts volumes other than roots, and snapshots; a root volume is on its instance's bill", async () => {
    const { instanceId } = await launchRunning(fleet);
    const empty = fleet.hypervisor.getStorageBill();
    expect(empty.volumesUsd).toBe(0);
    await fleet.hypervisor.createVolume({ sizeMib: 1024 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const bill = fleet.hypervisor.getStorageBill();
    expect(bill.volumesUsd).toBeGreaterThan(0);
    expect(bill.totalUsd).toBe(bill.volumesUsd + bill.snapshotsUsd);
    expect(fleet.hypervisor.getInstanceBill(instanceId).storageUsd).toBeGreaterThan(0);
  });
});
