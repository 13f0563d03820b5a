import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OVERLAY_BLOCK_BYTES, type WrittenBlocks } from "../../disk/blockOverlay.ts";
import type { Persistence } from "../../persistence/persistence.ts";
import type { Instance } from "../instances/instance.ts";
import type { InstanceRecord } from "../instances/record.ts";
import { FakeWorkerHost, type FakeWorker } from "../testing/fakeWorkerHost.ts";
import { inState, testPersistence, withWorker } from "../testing/records.ts";
import { DiskFlusher } from "./diskFlush.ts";
import { DATA_DEVICE, ROOT_DEVICE, VolumeRegistry } from "./volumes.ts";

const VOLUME_BYTES = 4 * OVERLAY_BLOCK_BYTES;

let persistence: Persistence;
let volumes: VolumeRegistry;
let updates: { record: InstanceRecord; changes: Partial<Instance> }[];
let flusher: DiskFlusher;
let host: FakeWorkerHost;

beforeEach(async () => {
  persistence = await testPersistence();
  volumes = new VolumeRegistry(persistence.volumes, persistence.fleet);
  updates = [];
  flusher = new DiskFlusher({ volumes, update: (record, changes) => updates.push({ record, changes }) });
  host = new FakeWorkerHost();
});
afterEach(async () => {
  host.dispose();
  await persistence.close();
});

function block(fill: number): Uint8Array {
  return new Uint8Array(OVERLAY_BLOCK_BYTES).fill(fill);
}

function blocks(...entries: [number, number][]): WrittenBlocks {
  return new Map(entries.map(([index, fill]) => [index, block(fill)]));
}

/** A running instance with an EBS root and a data volume, and its worker. */
async function ebsInstance(): Promise<{ record: InstanceRecord; worker: FakeWorker; rootId: string; dataId: string }> {
  const record = inState("running");
  const { instanceId } = record.instance;
  const root = await volumes.create({
    sizeBytes: VOLUME_BYTES,
    attachment: { instanceId, device: ROOT_DEVICE, deleteOnTermination: true },
  });
  const data = await volumes.create({
    sizeBytes: VOLUME_BYTES,
    attachment: { instanceId, device: DATA_DEVICE, deleteOnTermination: false },
  });
  const withRoot: InstanceRecord = { ...record, config: { ...record.config, rootVolumeId: root.volumeId } };
  return { record: withRoot, worker: withWorker(withRoot, host), rootId: root.volumeId, dataId: data.volumeId };
}

describe("flushing an instance's disks", () => {
  it("stores the root and data volumes' new blocks, where the next session reads them", async () => {
    const { record, worker, rootId, dataId } = await ebsInstance();
    worker.write("root", blocks([0, 1], [3, 2]));
    worker.write("data", blocks([1, 9]));
    await flusher.flush(record);
    expect(record.runtime.lastFlushOk).toBe(true);
    expect([...(await volumes.blocks(rootId)).keys()]).toEqual([0, 3]);
    expect(await volumes.blocks(dataId)).toEqual(blocks([1, 9]));

    const nextSession = new VolumeRegistry(persistence.volumes, persistence.fleet);
    await nextSession.load();
    expect(await nextSession.blocks(rootId)).toEqual(blocks([0, 1], [3, 2]));
    expect(nextSession.describeVolumes([dataId])[0]?.writtenBytes).toBe(OVERLAY_BLOCK_BYTES);
  });

  it("keeps an instance-store root's blocks in memory and stores nothing", async () => {
    const record = inState("running", { rootDeviceType: "instance-store" });
    const worker = withWorker(record, host);
    const writes = vi.spyOn(persistence.volumes, "writeBlocks");
    worker.write("root", blocks([2, 5]));
    await flusher.flush(record);
    expect(record.runtime.instanceStoreBlocks).toEqual(blocks([2, 5]));
    expect(record.runtime.lastFlushOk).toBe(true);
    expect(writes).not.toHaveBeenCalled();
  });

  it("leaves lastFlushOk false when the worker cannot give its blocks, and stores nothing", async () => {
    const { record, worker, rootId } = await ebsInstance();
    record.runtime.lastFlushOk = true;
    worker.write("root", blocks([0, 1]));
    worker.script.takeDirtyBlocks = () => ({ ok: false, error: { code: "InternalError", message: "the emulator stopped" } });
    await flusher.flush(record);
    expect(record.runtime.lastFlushOk).toBe(false);
    expect((await volumes.blocks(rootId)).size).toBe(0);

    record.runtime.lastFlushOk = true;
    worker.terminated = true;
    await flusher.flush(record);
    expect(record.runtime.lastFlushOk).toBe(false);
  });

  it("shows a failed store in the instance's state reason", async () => {
    const { record, worker } = await ebsInstance();
    vi.spyOn(persistence.volumes, "writeBlocks").mockRejectedValueOnce(new Error("the quota is used up"));
    worker.write("root", blocks([0, 1]));
    await flusher.flush(record);
    expect(record.runtime.lastFlushOk).toBe(false);
    expect(updates).toEqual([
      { record, changes: { stateReason: { code: "Server.InternalError", message: "Server.InternalError: the quota is used up" } } },
    ]);
  });

  it("does nothing for an instance without an emulator", async () => {
    const record = inState("stopped");
    await flusher.flush(record);
    expect(record.runtime.lastFlushOk).toBe(false);
    expect(updates).toEqual([]);
  });

  it("runs one instance's flushes one after another", async () => {
    const { record, worker, rootId } = await ebsInstance();
    const gate = host.hold("takeDirtyBlocks");
    worker.write("root", blocks([0, 1]));
    const first = flusher.flush(record);
    const second = flusher.flush(record);
    await gate.reached;
    expect(worker.callsOf("takeDirtyBlocks")).toHaveLength(1);
    host.release("takeDirtyBlocks");
    await Promise.all([first, second]);
    expect(worker.callsOf("takeDirtyBlocks")).toHaveLength(2);
    expect((await volumes.blocks(rootId)).size).toBe(1);
  });
});

describe("keeping a stopping instance's last writes", () => {
  it("is true once they are stored", async () => {
    const { record, worker, rootId } = await ebsInstance();
    worker.write("root", blocks([1, 4]));
    expect(await flusher.keep(record, record.runtime.generation)).toBe(true);
    expect((await volumes.blocks(rootId)).has(1)).toBe(true);
  });

  it("is false when they could not be taken", async () => {
    const { record, worker } = await ebsInstance();
    worker.script.takeDirtyBlocks = () => ({ ok: false, error: { code: "InternalError", message: "gone" } });
    expect(await flusher.keep(record, record.runtime.generation)).toBe(false);
  });

  it("is false when another transition overtook this one meanwhile", async () => {
    const { record } = await ebsInstance();
    const generation = record.runtime.generation;
    const gate = host.hold("takeDirtyBlocks");
    const kept = flusher.keep(record, generation);
    await gate.reached;
    record.runtime.generation++;
    host.release("takeDirtyBlocks");
    expect(await kept).toBe(false);
  });
});
