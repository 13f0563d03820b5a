/** Boot to prompt under Node: the default image through the hypervisor, worker_threads and all. */
import { createNodeHypervisor } from "../src/hypervisor/node.ts";
import { PromptWatcher } from "../src/bench/promptWatcher.ts";
import { median, report, round } from "./stats.ts";

export async function benchBootNode(runs = 5): Promise<void> {
  const times: number[] = [];
  const instructions: number[] = [];
  for (let run = 0; run < runs; run++) {
    const hypervisor = await createNodeHypervisor();
    await hypervisor.describeImages();
    const watcher = new PromptWatcher();
    const start = performance.now();
    const [instance] = await hypervisor.runInstances();
    if (!instance) throw new Error("no instance launched");
    hypervisor.onConsoleOutput(instance.instanceId, (bytes) => watcher.push(bytes));
    await watcher.until();
    times.push(performance.now() - start);
    instructions.push((await hypervisor.getInstanceStats(instance.instanceId)).instructions);
    await hypervisor.shutdownAll();
  }
  report({
    bench: "boot",
    env: "node",
    runs,
    bootToPromptMs: round(median(times)),
    instructions: Math.round(median(instructions)),
    allMs: times.map((t) => round(t)),
  });
}
