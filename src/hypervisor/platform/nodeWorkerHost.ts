import { Worker } from "node:worker_threads";
import { wrap } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import type { FabricApi } from "../../net/fabricApi.ts";
import type { InstanceWorkerApi } from "../../worker/api.ts";
import type { FabricHandle, InstanceWorkerHandle, WorkerHost } from "./workerHost.ts";

/** Starts a worker's TypeScript entry in a thread, compiled on load by tsx. */
const BOOTSTRAP = new URL("../../worker/nodeBootstrap.mjs", import.meta.url);
const FABRIC_ENTRY = new URL("../../net/nodeEntry.ts", import.meta.url);

/** One worker_threads thread per instance, and one for the VPC fabric, running through tsx (see nodeBootstrap.mjs). */
export class NodeWorkerHost implements WorkerHost {
  /** The instance worker's entry script; tests give one that fails on purpose. */
  constructor(private readonly entry: URL = BOOTSTRAP) {}

  spawn(instanceId: string): InstanceWorkerHandle {
    const worker = new Worker(this.entry, { name: instanceId });
    return { api: wrap<InstanceWorkerApi>(nodeEndpoint(worker)), ...lifeOf(worker, "the instance's worker") };
  }

  spawnFabric(): FabricHandle {
    const worker = new Worker(BOOTSTRAP, { name: "vpc-fabric", workerData: { entry: FABRIC_ENTRY.href } });
    return { api: wrap<FabricApi>(nodeEndpoint(worker)), ...lifeOf(worker, "the VPC fabric's worker") };
  }
}

/** A thread's crash or exit, reported once, and its end (after which nothing is reported). */
function lifeOf(worker: Worker, what: string): Pick<InstanceWorkerHandle, "onCrash" | "terminate"> {
  let crashListener: ((reason: string) => void) | null = null;
  let ended = false;
  const crash = (reason: string) => {
    if (ended) return;
    ended = true;
    crashListener?.(reason);
  };
  worker.on("error", (error) => crash(error.message));
  worker.on("exit", (code) => crash(`${what} exited (code ${code})`));
  return {
    onCrash: (listener) => {
      crashListener = listener;
    },
    terminate: async () => {
      ended = true;
      await worker.terminate();
    },
  };
}
