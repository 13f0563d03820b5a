import { Worker } from "node:worker_threads";
import { wrap } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import type { InstanceWorkerApi } from "../../worker/api.ts";
import type { InstanceWorkerHandle, WorkerHost } from "./workerHost.ts";

/** One worker_threads thread per instance, running the worker through tsx (see nodeBootstrap.mjs). */
export class NodeWorkerHost implements WorkerHost {
  /** The worker's entry script; tests give one that fails on purpose. */
  constructor(private readonly entry: URL = new URL("../../worker/nodeBootstrap.mjs", import.meta.url)) {}

  spawn(instanceId: string): InstanceWorkerHandle {
    const worker = new Worker(this.entry, {
      name: instanceId,
    });
    let crashListener: ((reason: string) => void) | null = null;
    let ended = false;
    const crash = (reason: string) => {
      if (ended) return;
      ended = true;
      crashListener?.(reason);
    };
    worker.on("error", (error) => crash(error.message));
    worker.on("exit", (code) => crash(`the instance's worker exited (code ${code})`));
    return {
      api: wrap<InstanceWorkerApi>(nodeEndpoint(worker)),
      onCrash: (listener) => {
        crashListener = listener;
      },
      terminate: async () => {
        ended = true;
        await worker.terminate();
      },
    };
  }
}
