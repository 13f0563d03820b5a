/**
 * Hibernation under Node: the saved state's size, how long saving takes, and resume to an
 * answering shell, with a spare worker kept warm (the pool's default: a resume takes it, its
 * emulator compiled) and without one (the resume starts a worker of its own).
 */
import { PromptWatcher } from "../src/bench/promptWatcher.ts";
import { createNodeHypervisor } from "../src/hypervisor/node.ts";
import { report, round } from "./stats.ts";

export async function benchHibernate(): Promise<void> {
  for (const spareWorker of [true, false]) await hibernateOnce(spareWorker);
}

async function hibernateOnce(spareWorker: boolean): Promise<void> {
  const hypervisor = await createNodeHypervisor({ keepSpareWorker: spareWorker });
  const watcher = new PromptWatcher();
  const [instance] = await hypervisor.runInstances({ hibernationOptions: { configured: true } });
  if (!instance) throw new Error("no instance");
  const id = instance.instanceId;
  hypervisor.onConsoleOutput(id, (bytes) => watcher.push(bytes));
  await watcher.until();
  while (hypervisor.describeInstances({ instanceIds: [id] })[0]?.statusChecks.instance !== "ok")
    await new Promise((r) => setTimeout(r, 50));

  const saveStart = performance.now();
  await hypervisor.stopInstances([id], { hibernate: true });
  const saveMs = performance.now() - saveStart;
  const stateBytes = hypervisor.describeHibernation(id)?.stateBytes ?? 0;

  const resumeStart = performance.now();
  await hypervisor.startInstances([id]);
  while (hypervisor.describeInstances({ instanceIds: [id] })[0]?.state.name !== "running") await new Promise((r) => setTimeout(r, 5));
  // Usable: the shell answers a command typed at its prompt.
  await hypervisor.sendConsoleInput(id, "echo resumed-$((1+1))\n");
  await watcher.until(/resumed-2\n/);
  const resumeToPromptMs = performance.now() - resumeStart;
  report({
    bench: "hibernate",
    spareWorker,
    stateBytes,
    stateMiB: round(stateBytes / 1024 / 1024, 2),
    saveMs: round(saveMs),
    resumeToPromptMs: round(resumeToPromptMs),
  });
  await hypervisor.shutdownAll();
}
