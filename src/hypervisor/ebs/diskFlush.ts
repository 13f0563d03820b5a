/**
 * Stores what instances' guests wrote: every few seconds while they run, and at every stop,
 * hibernation, snapshot and export. Flushes of one instance run one after another, so storage
 * always holds its disks as of one instant.
 */
import { toCloudError, type Result } from "../../shared/errors.ts";
import type { DirtyBlocks } from "../../worker/api.ts";
import type { Instance } from "../instances/instance.ts";
import type { InstanceRecord } from "../instances/record.ts";
import { DATA_DEVICE, type VolumeRegistry } from "./volumes.ts";

export interface DiskFlushContext {
  readonly volumes: VolumeRegistry;
  /** Shows a failed flush in the instance's state reason. */
  update(record: InstanceRecord, changes: Partial<Instance>): void;
}

export class DiskFlusher {
  readonly #ctx: DiskFlushContext;

  constructor(context: DiskFlushContext) {
    this.#ctx = context;
  }

  /** Stores what the instance's guest wrote since the last flush (nothing to do without an emulator). */
  flush(record: InstanceRecord): Promise<void> {
    const runtime = record.runtime;
    runtime.flushing = runtime.flushing.then(async () => {
      const worker = runtime.worker;
      if (!worker) return;
      let dirty: Result<DirtyBlocks>;
      try {
        dirty = await worker.api.takeDirtyBlocks();
      } catch {
        runtime.lastFlushOk = false;
        return;
      }
      if (!dirty.ok) {
        runtime.lastFlushOk = false;
        return;
      }
      const data = this.#ctx.volumes.attachedAt(record.instance.instanceId, DATA_DEVICE);
      try {
        if (record.config.rootVolumeId) await this.#ctx.volumes.flush(record.config.rootVolumeId, dirty.value.root);
        else for (const [index, block] of dirty.value.root) runtime.instanceStoreBlocks.set(index, block);
        if (data && dirty.value.data) await this.#ctx.volumes.flush(data.volumeId, dirty.value.data);
        runtime.lastFlushOk = true;
      } catch (error) {
        runtime.lastFlushOk = false;
        this.#ctx.update(record, {
          stateReason: { code: "Server.InternalError", message: `Server.InternalError: ${toCloudError(error).message}` },
        });
      }
    });
    return runtime.flushing;
  }

  /**
   * Stores the last writes of a stopping emulator for the next boot; true when kept. A worker
   * that cannot give them leaves the volume as it was at the last flush.
   */
  async keep(record: InstanceRecord, generation: number): Promise<boolean> {
    await this.flush(record);
    return record.runtime.generation === generation && record.runtime.lastFlushOk;
  }
}
