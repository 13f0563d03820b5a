/** Boot to prompt under Node: the default image through the hypervisor, worker_threads and all. */
import { createNodeHypervisor } from "../src/hypervisor/node.ts";
import { PromptWatcher } from "../src/bench/promptWatcher.ts";
import { median, report, round } from "./stats.ts";

export interface Boot {
  readonly ms: number;
  readonly instructions: number;
}

/** Launches the catalog's first image from `imagesDir` (default: the served images) and times it to the prompt. */
export async function bootToPrompt(imagesDir?: string): Promise<Boot> {
  const hypervisor = await createNodeHypervisor(imagesDir === undefined ? {} : { imagesDir });
  try {
    await hypervisor.describeImages();
    const watcher = new PromptWatcher();
    const start = performance.now();
    const [instance] = await hypervisor.runInstances();
    if (!instance) throw new Error("no instance launched");
    hypervisor.onConsoleOutput(instance.instanceId, (bytes) => watcher.push(bytes));
    await watcher.until();
    const ms = performance.now() - start;
    return { ms, instructions: (await hypervisor.getInstanceStats(instance.instanceId)).instructions };
  } finally {
    await hypervisor.shutdownAll();
  }
}

export async function benchBootNode(runs = 5): Promise<void> {
  const boots: Boot[] = [];
  for (let run = 0; run < runs; run++) boots.push(await bootToPrompt());
  report({
    bench: "boot",
    env: "node",
    runs,
    bootToPromptMs: round(median(boots.map((boot) => boot.ms))),
    instructions: Math.round(median(boots.map((boot) => boot.instructions))),
    allMs: boots.map((boot) => round(boot.ms)),
  });
}
