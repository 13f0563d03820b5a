import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OVERLAY_BLOCK_BYTES } from "../../disk/blockOverlay.ts";
import type { Persistence } from "../../persistence/persistence.ts";
import { testPersistence } from "../testing/records.ts";
import { ROOT_DEVICE, VolumeRegistry } from "./volumes.ts";

const GIB = 1024 ** 3;
let persistence: Persistence;
let volumes: VolumeRegistry;

beforeEach(async () => {
  persistence = await testPersistence();
  volumes = new VolumeRegistry(persistence.volumes, persistence.fleet);
});
afterEach(() => persistence.close());

/** The next session's registry over the same database. */
async function reloaded(): Promise<VolumeRegistry> {
  const next = new VolumeRegistry(persistence.volumes, persistence.fleet);
  await next.load();
  return next;
}

describe("volume and snapshot ids", () => {
  it("answer malformed and unknown ids with EC2's codes", () => {
    expect(() => volumes.stored("vol-1")).toThrow(expect.objectContaining({ code: "InvalidVolumeID.Malformed" }));
    expect(() => volumes.stored("vol-0123456789abcdef0")).toThrow(expect.objectContaining({ code: "InvalidVolume.NotFound" }));
    expect(() => volumes.snapshot("snap-1")).toThrow(expect.objectContaining({ code: "InvalidSnapshotID.Malformed" }));
    expect(() => volumes.snapshot("snap-0123456789abcdef0")).toThrow(expect.objectContaining({ code: "InvalidSnapshot.NotFound" }));
  });
});

describe("volumes", () => {
  it("must be whole blocks", async () => {
    await expect(volumes.create({ sizeBytes: OVERLAY_BLOCK_BYTES + 1 })).rejects.toMatchObject({ code: "InvalidParameterValue" });
    await expect(volumes.create({})).rejects.toMatchObject({ code: "InvalidParameterValue" });
  });

  it("come back after a reload with their attachment and how much was written", async () => {
    const volume = await volumes.create({
      sizeBytes: 4 * OVERLAY_BLOCK_BYTES,
      attachment: { instanceId: "i-0123456789abcdef0", device: ROOT_DEVICE, deleteOnTermination: true },
    });
    await volumes.flush(volume.volumeId, new Map([[0, new Uint8Array(OVERLAY_BLOCK_BYTES).fill(1)]]));
    const next = await reloaded();
    expect(next.describeVolumes()).toEqual([
      expect.objectContaining({
        volumeId: volume.volumeId,
        state: "in-use",
        writtenBytes: OVERLAY_BLOCK_BYTES,
        attachments: [{ instanceId: "i-0123456789abcdef0", device: ROOT_DEVICE, state: "attached", deleteOnTermination: true }],
      }),
    ]);
    expect(next.attachedAt("i-0123456789abcdef0", ROOT_DEVICE)?.volumeId).toBe(volume.volumeId);
  });

  it("made from a snapshot have its size and blocks, and keep them when the snapshot is deleted", async () => {
    const source = await volumes.create({ sizeBytes: 2 * OVERLAY_BLOCK_BYTES });
    await volumes.flush(source.volumeId, new Map([[1, new Uint8Array(OVERLAY_BLOCK_BYTES).fill(9)]]));
    const snapshot = await volumes.createSnapshot(source.volumeId, "");
    const copy = await volumes.create({ snapshotId: snapshot.snapshotId });
    await volumes.deleteSnapshot(snapshot.snapshotId, null);
    expect(copy).toMatchObject({ sizeBytes: 2 * OVERLAY_BLOCK_BYTES, snapshotId: snapshot.snapshotId });
    expect((await (await reloaded()).blocks(copy.volumeId)).get(1)?.[0]).toBe(9);
  });
});

describe("the storage ledger", () => {
  it("keeps what deleted volumes cost across a reload; a root volume deleted with its instance is on the instance's bill", async () => {
    const data = await volumes.create({ sizeBytes: GIB });
    const root = await volumes.create({ sizeBytes: GIB });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await volumes.delete(data.volumeId);
    await volumes.deleteWithInstance(root.volumeId);
    const charged = volumes.bill(Date.now()).volumesUsd;
    expect(charged).toBeGreaterThan(0);
    expect((await reloaded()).bill(Date.now()).volumesUsd).toBe(charged);
  });

  it("does not bill a root volume while it is attached", async () => {
    await volumes.create({
      sizeBytes: GIB,
      attachment: { instanceId: "i-0123456789abcdef0", device: ROOT_DEVICE, deleteOnTermination: true },
    });
    expect(volumes.bill(Date.now() + 3_600_000)).toEqual({ volumesUsd: 0, snapshotsUsd: 0, totalUsd: 0 });
  });
});
