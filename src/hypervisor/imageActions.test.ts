/**
 * EC2's image actions through a real hypervisor over fake workers: an image made of an
 * instance's root volume launches instances with that instance's files, names are unique, and a
 * deregistered image's instances still boot.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OVERLAY_BLOCK_BYTES } from "../disk/blockOverlay.ts";
import {
  EBS_IMAGE_ID,
  fakeFleet,
  isState,
  launchRunning,
  stopped,
  volumeAt,
  waitForInstance,
  type FakeFleet,
} from "./testing/fakeFleet.ts";

let fleet: FakeFleet;
beforeEach(async () => {
  fleet = await fakeFleet();
});
afterEach(() => fleet.close());

/** A stopped instance whose guest wrote one block to its root volume. */
async function instanceWithAFile(): Promise<string> {
  const { instanceId } = await launchRunning(fleet);
  fleet.host.workerOf(instanceId).write("root", new Map([[3, new Uint8Array(OVERLAY_BLOCK_BYTES).fill(0x33)]]));
  await stopped(fleet, instanceId);
  return instanceId;
}

describe("createImage", () => {
  it("registers an image whose root is a snapshot of the instance's root volume, listed after the catalog's", async () => {
    const instanceId = await instanceWithAFile();
    const image = await fleet.hypervisor.createImage(instanceId, { name: "web server", description: "nginx on it" });
    expect(image).toMatchObject({ name: "web server", description: "nginx on it", source: "created", rootDeviceType: "ebs" });
    const [snapshot] = fleet.hypervisor.describeSnapshots({ snapshotIds: [image.rootSnapshotId ?? ""] });
    expect(snapshot?.volumeId).toBe(volumeAt(fleet.hypervisor, instanceId, "/dev/sda")?.volumeId);
    const listed = await fleet.hypervisor.describeImages();
    expect(listed.map((candidate) => candidate.imageId)).toEqual([EBS_IMAGE_ID, expect.any(String), image.imageId]);
  });

  it("launches instances that start with the instance's files", async () => {
    const instanceId = await instanceWithAFile();
    const image = await fleet.hypervisor.createImage(instanceId, { name: "with a file" });
    const { instanceId: copy } = await launchRunning(fleet, { imageId: image.imageId });
    const root = fleet.host.workerOf(copy).bootSpec?.rootVolume;
    expect(root?.writtenBlocks.get(3)?.[0]).toBe(0x33);
    expect(volumeAt(fleet.hypervisor, copy, "/dev/sda")?.snapshotId).toBe(image.rootSnapshotId);
  });

  it("refuses a name already taken, and makes nothing", async () => {
    const instanceId = await instanceWithAFile();
    await fleet.hypervisor.createImage(instanceId, { name: "twice" });
    await expect(fleet.hypervisor.createImage(instanceId, { name: "twice" })).rejects.toMatchObject({
      code: "InvalidParameterValue",
      message: expect.stringContaining("twice"),
    });
    expect(fleet.hypervisor.describeSnapshots()).toHaveLength(1);
  });
});

describe("deregisterImage", () => {
  it("forgets an image made here, and the instances launched from it still boot", async () => {
    const instanceId = await instanceWithAFile();
    const image = await fleet.hypervisor.createImage(instanceId, { name: "short-lived" });
    const { instanceId: copy } = await launchRunning(fleet, { imageId: image.imageId });
    await stopped(fleet, copy);
    await fleet.hypervisor.deregisterImage(image.imageId);
    expect((await fleet.hypervisor.describeImages()).map((candidate) => candidate.imageId)).not.toContain(image.imageId);

    await fleet.hypervisor.startInstances([copy]);
    await waitForInstance(fleet.hypervisor, copy, isState("running"));
    expect(fleet.host.workerOf(copy).bootSpec?.rootVolume.writtenBlocks.get(3)?.[0]).toBe(0x33);
  });

  it("answers InvalidAMIID.NotFound for an image it does not know", async () => {
    await expect(fleet.hypervisor.deregisterImage("ami-0123456789abcdef0")).rejects.toMatchObject({ code: "InvalidAMIID.NotFound" });
  });
});
