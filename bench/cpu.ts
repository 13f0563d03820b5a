/**
 * CPU scheduling under Node, through the hypervisor and real emulators: shares under
 * contention, a burstable baseline cap, idle cost, and memory per instance.
 */
import type { Hypervisor, Instance } from "../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../src/hypervisor/node.ts";
import { report, round } from "./stats.ts";

const BUSY = "sh -c 'while :; do :; done' > /dev/null 2>&1 &";

async function launchReady(hypervisor: Hypervisor, request: Parameters<Hypervisor["runInstances"]>[0]): Promise<Instance> {
  const [instance] = await hypervisor.runInstances(request);
  if (!instance) throw new Error("no instance");
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [now] = hypervisor.describeInstances({ instanceIds: [instance.instanceId] });
    if (now?.statusChecks.instance === "ok") return now;
    if (Date.now() > deadline) throw new Error(`instance ${instance.instanceId} did not boot: ${JSON.stringify(now)}`);
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU time each instance used over a window, as a share of one host core. */
async function measureShares(
  hypervisor: Hypervisor,
  ids: readonly string[],
  windowMs: number,
): Promise<{ cpuPct: number[]; instructions: number[] }> {
  const before = await Promise.all(ids.map((id) => hypervisor.getInstanceStats(id)));
  const start = performance.now();
  await sleep(windowMs);
  const after = await Promise.all(ids.map((id) => hypervisor.getInstanceStats(id)));
  const wall = performance.now() - start;
  return {
    cpuPct: ids.map((_, i) => (((after[i]?.cpuTimeMs ?? 0) - (before[i]?.cpuTimeMs ?? 0)) / wall) * 100),
    instructions: ids.map((_, i) => (after[i]?.instructions ?? 0) - (before[i]?.instructions ?? 0)),
  };
}

export async function benchCpuShares(): Promise<void> {
  // One core for all of them: every instance is held to its share, whatever the OS could give.
  const hypervisor = await createNodeHypervisor({ cpuCores: 1, memoryBudgetMib: 8192 });
  const types = ["c5.large", "c5.large", "c5.xlarge"];
  const instances = [];
  for (const instanceType of types) instances.push(await launchReady(hypervisor, { instanceType }));
  const ids = instances.map((instance) => instance.instanceId);
  for (const id of ids) await hypervisor.runCommand(id, BUSY);
  await sleep(3000);
  const { cpuPct: measured, instructions } = await measureShares(hypervisor, ids, 10_000);
  const totalInstructions = instructions.reduce((a, b) => a + b, 0);
  const weights = types.map((name) => hypervisor.describeInstanceTypes().find((type) => type.name === name)?.cpuWeight ?? 0);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const configured = weights.map((weight) => (weight / totalWeight) * 100);
  const maxErrorPct = Math.max(...measured.map((value, i) => (Math.abs(value - (configured[i] ?? 0)) / (configured[i] ?? 1)) * 100));
  report({
    bench: "cpu-shares",
    types,
    weights,
    configuredPct: configured.map((v) => round(v)),
    measured: measured.map((v) => round(v)),
    maxErrorPct: round(maxErrorPct),
    instructionSharePct: instructions.map((n) => round((n / totalInstructions) * 100)),
  });
  await hypervisor.shutdownAll();
}

/** Guest instructions per second of the busy loop on a fresh instance of this request, alone on the host. */
async function busyInstructionRate(request: Parameters<Hypervisor["runInstances"]>[0]): Promise<{ perSecond: number; ledgerPct: number }> {
  const hypervisor = await createNodeHypervisor({ memoryBudgetMib: 8192 });
  try {
    const instance = await launchReady(hypervisor, request);
    await hypervisor.runCommand(instance.instanceId, BUSY);
    await sleep(3000);
    const windowMs = 10_000;
    const {
      cpuPct: [ledgerPct],
      instructions: [instructions],
    } = await measureShares(hypervisor, [instance.instanceId], windowMs);
    return { perSecond: (instructions ?? 0) / (windowMs / 1000), ledgerPct: ledgerPct ?? 0 };
  } finally {
    await hypervisor.shutdownAll();
  }
}

/**
 * The burstable cap, measured apart from the gate that enforces it: the instructions a t3.micro
 * with no credits retires against the same busy guest on a type with no cap, one after the
 * other in one process. The gate's own ledger of the CPU time it granted is printed beside.
 */
export async function benchCpuCap(): Promise<void> {
  const uncapped = await busyInstructionRate({ instanceType: "c5.large" });
  const capped = await busyInstructionRate({ instanceType: "t3.micro", creditSpecification: { cpuCredits: "standard" } });
  report({
    bench: "cpu-cap",
    instanceType: "t3.micro",
    creditMode: "standard",
    capPct: 10,
    measuredPct: round((capped.perSecond / uncapped.perSecond) * 100, 2),
    uncappedMips: round(uncapped.perSecond / 1e6),
    cappedMips: round(capped.perSecond / 1e6),
    gateLedgerPct: round(capped.ledgerPct, 2),
  });
}

export async function benchIdle(count = 4): Promise<void> {
  const hypervisor = await createNodeHypervisor({ memoryBudgetMib: 8192 });
  for (let i = 0; i < count; i++) await launchReady(hypervisor, { instanceType: "t3.micro" });
  // Let the engine finish compiling and tiering up the emulator before measuring steady idle.
  await sleep(30_000);
  const usage = process.cpuUsage();
  const start = performance.now();
  await sleep(10_000);
  const used = process.cpuUsage(usage);
  const wall = performance.now() - start;
  // What idle instances cost in memory is bench memory-overhead's (memoryOverhead.ts).
  report({ bench: "idle-cpu", instances: count, hostCpuPct: round(((used.user + used.system) / 1000 / wall) * 100, 2) });
  await hypervisor.shutdownAll();
}
