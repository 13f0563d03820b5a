/**
 * Where a cold boot's time goes (src/bench/bootPhases.ts says how it is split), under Node
 * through the hypervisor and a worker thread. One hypervisor: a first launch loads and checks the
 * image; the launches timed after it boot an image already loaded, as in Chromium.
 */
import { createNodeHypervisor } from "../src/hypervisor/node.ts";
import { timeBootPhases, type BootPhases } from "../src/bench/bootPhases.ts";
import { median, report, round } from "./stats.ts";

export function reportBootPhases(env: "node" | "chromium", phases: readonly BootPhases[]): void {
  const mid = (pick: (p: BootPhases) => number) => round(median(phases.map(pick)));
  report({
    bench: "boot-phases",
    env,
    runs: phases.length,
    firmwareMs: mid((p) => p.firmwareMs),
    kernelMs: mid((p) => p.kernelMs),
    initMs: mid((p) => p.initMs),
    totalMs: mid((p) => p.totalMs),
    instructions: Math.round(median(phases.map((p) => p.instructions))),
    allTotalMs: phases.map((p) => round(p.totalMs)),
  });
}

export async function benchBootPhases(runs: number): Promise<void> {
  const hypervisor = await createNodeHypervisor({ fastLaunch: false });
  const phases: BootPhases[] = [];
  try {
    await hypervisor.describeImages();
    const first = await timeBootPhases(hypervisor);
    await hypervisor.terminateInstances([first.instanceId]);
    for (let run = 0; run < runs; run++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const { instanceId, ...timed } = await timeBootPhases(hypervisor);
      phases.push(timed);
      await hypervisor.terminateInstances([instanceId]);
    }
  } finally {
    await hypervisor.shutdownAll();
  }
  reportBootPhases("node", phases);
}
