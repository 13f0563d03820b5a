/**
 * Where instance workers come from. The hypervisor is the same in the browser and under Node;
 * only this seam differs (Web Workers there, worker_threads here).
 */
import type { Remote } from "comlink";
import type { FabricApi } from "../../net/fabricApi.ts";
import type { InstanceWorkerApi } from "../../worker/api.ts";

export interface InstanceWorkerHandle {
  readonly api: Remote<InstanceWorkerApi>;
  /** Called once if the worker dies on its own (an uncaught error, out of memory). */
  onCrash(listener: (reason: string) => void): void;
  /** Ends the worker's thread; what it held is freed. */
  terminate(): Promise<void>;
}

/** The VPC fabric's worker: one per hypervisor, carrying every instance's frames. */
export interface FabricHandle {
  readonly api: Remote<FabricApi>;
  /** Called once if the worker dies on its own. */
  onCrash(listener: (reason: string) => void): void;
  terminate(): Promise<void>;
}

export interface WorkerHost {
  spawn(instanceId: string): InstanceWorkerHandle;
  spawnFabric(): FabricHandle;
}
