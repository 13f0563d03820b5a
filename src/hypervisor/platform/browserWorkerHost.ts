import { wrap } from "comlink";
import type { InstanceWorkerApi } from "../../worker/api.ts";
import type { InstanceWorkerHandle, WorkerHost } from "./workerHost.ts";

/** One dedicated module worker per instance. */
export class BrowserWorkerHost implements WorkerHost {
  spawn(instanceId: string): InstanceWorkerHandle {
    const worker = new Worker(new URL("../../worker/browserEntry.ts", import.meta.url), { type: "module", name: instanceId });
    let crashListener: ((reason: string) => void) | null = null;
    let crashed = false;
    const crash = (reason: string) => {
      if (crashed) return;
      crashed = true;
      crashListener?.(reason);
    };
    worker.addEventListener("error", (event) => crash(event.message || "the instance's worker failed"));
    worker.addEventListener("messageerror", () => crash("the instance's worker sent a message that could not be read"));
    return {
      api: wrap<InstanceWorkerApi>(worker),
      onCrash: (listener) => {
        crashListener = listener;
      },
      terminate: async () => {
        crashed = true;
        worker.terminate();
      },
    };
  }
}
