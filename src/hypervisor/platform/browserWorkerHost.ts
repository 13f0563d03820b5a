import { wrap } from "comlink";
import type { FabricApi } from "../../net/fabricApi.ts";
import type { InstanceWorkerApi } from "../../worker/api.ts";
import { compiledEmulator } from "../../worker/emulatorModule.ts";
import type { FabricHandle, InstanceWorkerHandle, WorkerHost } from "./workerHost.ts";

/**
 * One dedicated module worker per instance, and one for the VPC fabric. The emulator is compiled
 * once, here, and handed to every instance worker: each would otherwise compile it again, and
 * the browser optimise it again on background threads, for every launch.
 */
export class BrowserWorkerHost implements WorkerHost {
  spawn(instanceId: string): InstanceWorkerHandle {
    const worker = new Worker(new URL("../../worker/browserEntry.ts", import.meta.url), { type: "module", name: instanceId });
    const api = wrap<InstanceWorkerApi>(worker);
    void compiledEmulator().then((module) => module && api.useEmulator(module).catch(() => undefined));
    return { api, ...lifeOf(worker, "the instance's worker") };
  }

  spawnFabric(): FabricHandle {
    const worker = new Worker(new URL("../../net/browserEntry.ts", import.meta.url), { type: "module", name: "vpc-fabric" });
    return { api: wrap<FabricApi>(worker), ...lifeOf(worker, "the VPC fabric's worker") };
  }
}

/** A worker's crash, reported once, and its end (after which nothing is reported). */
function lifeOf(worker: Worker, what: string): Pick<InstanceWorkerHandle, "onCrash" | "terminate"> {
  let crashListener: ((reason: string) => void) | null = null;
  let crashed = false;
  const crash = (reason: string) => {
    if (crashed) return;
    crashed = true;
    crashListener?.(reason);
  };
  worker.addEventListener("error", (event) => crash(event.message || `${what} failed`));
  worker.addEventListener("messageerror", () => crash(`${what} sent a message that could not be read`));
  return {
    onCrash: (listener) => {
      crashListener = listener;
    },
    terminate: async () => {
      crashed = true;
      worker.terminate();
    },
  };
}
