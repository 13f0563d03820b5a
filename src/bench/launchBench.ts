/**
 * Launch to prompt from the image's golden state, in the page as the console launches: the image
 * is cached and its golden state made by a first (cold) launch, then each launch is timed from
 * runInstances to the new instance's prompt on its console.
 */
import type { Hypervisor } from "../hypervisor/index.ts";
import { benchHypervisor } from "./benchHypervisor.ts";
import { PromptWatcher } from "./promptWatcher.ts";

const DATABASE = "tabcloud-bench-launch";

export interface LaunchFigures {
  readonly coldBootToPromptMs: number;
  readonly launchToPromptMs: number[];
  /** From runInstances to the instance's state running (re-personalised), per launch. */
  readonly launchToRunningMs: number[];
  /** How many of the timed launches started from the golden state (their console says so). */
  readonly fromGoldenState: number;
}

async function launchToPrompt(hypervisor: Hypervisor): Promise<{ ms: number; runningMs: number; instanceId: string; golden: boolean }> {
  const watcher = new PromptWatcher();
  const start = performance.now();
  let runningMs = 0;
  let launchedId = "";
  const unsubscribe = hypervisor.subscribe((event) => {
    if (
      event.type === "instance-changed" &&
      event.instance.instanceId === launchedId &&
      event.instance.state.name === "running" &&
      !runningMs
    )
      runningMs = performance.now() - start;
  });
  const [instance] = await hypervisor.runInstances({ instanceType: "t3.micro" });
  if (!instance) throw new Error("no instance");
  const instanceId = instance.instanceId;
  launchedId = instanceId;
  watcher.push(new TextEncoder().encode(hypervisor.getConsoleOutput(instanceId).output));
  const stop = hypervisor.onConsoleOutput(instanceId, (bytes) => watcher.push(bytes));
  await watcher.until(new RegExp(`root@${instanceId}:[^\\n#]*# $`));
  const ms = performance.now() - start;
  stop();
  unsubscribe();
  return { ms, runningMs, instanceId, golden: watcher.text.includes("started from the boot snapshot") };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function launchBench(options: { readonly spareWorker: boolean; readonly launches: number }): Promise<LaunchFigures> {
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(DATABASE);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  const hypervisor = await benchHypervisor(DATABASE, { fastLaunch: true, keepSpareWorker: options.spareWorker });
  try {
    const cold = await launchToPrompt(hypervisor);
    while (!(await hypervisor.describeFastLaunchImages()).some((image) => image.goldenStates.length > 0)) await settle(200);
    await hypervisor.terminateInstances([cold.instanceId]);
    const times: number[] = [];
    const running: number[] = [];
    let fromGoldenState = 0;
    for (let i = 0; i < options.launches; i++) {
      // The host idle again, and the spare (a worker, or a golden state restored ahead of need) ready, before each launch.
      await settle(options.spareWorker ? 6000 : 2000);
      const launched = await launchToPrompt(hypervisor);
      times.push(launched.ms);
      running.push(launched.runningMs);
      if (launched.golden) fromGoldenState++;
      await hypervisor.terminateInstances([launched.instanceId]);
    }
    return { coldBootToPromptMs: cold.ms, launchToPromptMs: times, launchToRunningMs: running, fromGoldenState };
  } finally {
    await hypervisor.shutdownAll();
  }
}
