/**
 * Every shipped lab, played for real: for each step, its checks fail before its solution's
 * actions run (a fresh instance, or the state the step before left, does not pass it), and pass
 * after. The labs run one after another on one hypervisor; each lab cleans up after itself.
 * Prints LAB_CHECK_MEDIAN_MS: the median time of a step's checks on running instances.
 */
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../../src/hypervisor/node.ts";
import { checkStep, type StepCheckResult } from "../../src/labs/checker.ts";
import { labLaunchRequest, type LabContext } from "../../src/labs/instances.ts";
import { formatLabError, parseLabs, type Lab } from "../../src/labs/parse.ts";
import { playActions } from "../../src/labs/solution.ts";
import { waitForInstance } from "./waitFor.ts";

const contentDir = fileURLToPath(new URL("../../src/labs/content/", import.meta.url));
const names = (await readdir(contentDir)).filter((name) => name.endsWith(".md")).sort();
const { labs, errors } = parseLabs(
  await Promise.all(names.map(async (name) => ({ file: `labs/${name}`, text: await readFile(`${contentDir}${name}`, "utf8") }))),
  {
    fileNameMatchesId: true,
  },
);
const only = process.env.LAB ? labs.filter((lab) => process.env.LAB?.split(",").includes(lab.id)) : labs;

/** Times of steps' checks that looked inside a running instance (one agent round trip each). */
const guestCheckTimesMs: number[] = [];
/** Times of steps' checks that only asked the hypervisor (bill checks and dropped public requests, which wait on purpose, left out). */
const hostCheckTimesMs: number[] = [];
/** Guest checks of a lab's last step checked again, as the player re-checks an open step. */
const recheckTimesMs: number[] = [];
/** The agent's own round trip, for comparison: runCommand("true"). */
const agentRoundTripsMs: number[] = [];

function median(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return "NaN";
  return (((sorted[(sorted.length - 1) >> 1] ?? 0) + (sorted[sorted.length >> 1] ?? 0)) / 2).toFixed(1);
}

function record(step: Lab["steps"][number], elapsedMs: number): void {
  // Checks that wait on purpose: a bill's two readings, a request the security groups drop.
  if (step.checks.some((check) => check.kind === "bill" || (check.kind === "public-http" && check.expect === "unreachable"))) return;
  (step.checks.some((check) => check.kind === "command" || check.kind === "file") ? guestCheckTimesMs : hostCheckTimesMs).push(elapsedMs);
}

function explain(result: StepCheckResult): string {
  return result.results.map((r) => `${r.passed ? "PASS" : "FAIL"} ${r.label}: ${r.message}`).join("\n");
}

describe("the shipped labs, played through the hypervisor", () => {
  let hypervisor: Hypervisor;
  let memoryBudgetMib: number;

  beforeAll(async () => {
    hypervisor = await createNodeHypervisor({ stopTimeoutMs: 20_000 });
    memoryBudgetMib = hypervisor.describeHostCapacity().memoryBudgetMib;
  });
  afterAll(async () => {
    console.log(
      `LAB_CHECK_MEDIAN_MS=${median(guestCheckTimesMs)} (steps whose checks look inside the guest; n=${guestCheckTimesMs.length}, max ${Math.max(...guestCheckTimesMs).toFixed(1)} ms)`,
    );
    console.log(
      `LAB_RECHECK_MEDIAN_MS=${median(recheckTimesMs)} (a settled instance's last step checked again; n=${recheckTimesMs.length})`,
    );
    console.log(
      `LAB_HOST_CHECK_MEDIAN_MS=${median(hostCheckTimesMs)} (steps whose checks only ask the hypervisor; n=${hostCheckTimesMs.length})`,
    );
    console.log(`LAB_AGENT_RTT_MEDIAN_MS=${median(agentRoundTripsMs)} (runCommand "true", for comparison; n=${agentRoundTripsMs.length})`);
    await hypervisor?.shutdownAll();
  });

  it("all load without errors", () => {
    expect(errors.map(formatLabError)).toEqual([]);
    expect(labs.length).toBeGreaterThanOrEqual(7);
  });

  for (const lab of only) {
    it(`${lab.id}: each step fails before its solution and passes after`, async () => {
      try {
        await play(hypervisor, lab);
      } finally {
        await cleanUp(hypervisor, memoryBudgetMib);
      }
    }, 600_000);
  }
});

async function play(hypervisor: Hypervisor, lab: Lab): Promise<void> {
  let context: LabContext = {};
  if (lab.launch) {
    const [instance] = await hypervisor.runInstances(labLaunchRequest(lab, await hypervisor.describeImages()));
    if (!instance) throw new Error("no instance launched");
    context = { instanceId: instance.instanceId };
    await waitForInstance(hypervisor, instance.instanceId, (i) => i.state.name === "running" && i.statusChecks.instance === "ok", 120_000);
  }
  for (const [index, step] of lab.steps.entries()) {
    const where = `${lab.source}, step ${step.number} "${step.title}"`;
    const before = await checkStep(hypervisor, lab, index, context);
    expect(before.passed, `${where} passes before its solution ran:\n${explain(before)}`).toBe(false);
    await playActions(hypervisor, lab, step.actions, context);
    const after = await checkStep(hypervisor, lab, index, context);
    expect(after.passed, `${where} fails after its solution ran:\n${explain(after)}`).toBe(true);
    record(step, after.elapsedMs);
  }
  // A few more timings of the last step, checked again as a player would while it is open, and
  // of the bare agent round trip on the same instance.
  const last = lab.steps.at(-1);
  for (let i = 0; last && i < 3; i++) {
    const { elapsedMs } = await checkStep(hypervisor, lab, last, context);
    record(last, elapsedMs);
    if (last.checks.some((check) => check.kind === "command" || check.kind === "file")) recheckTimesMs.push(elapsedMs);
  }
  const instance = hypervisor.describeInstances().find((i) => i.state.name === "running" && i.statusChecks.instance === "ok");
  for (let i = 0; instance && i < 3; i++) {
    const started = performance.now();
    await hypervisor.runCommand(instance.instanceId, "true");
    agentRoundTripsMs.push(performance.now() - started);
  }
}

/** Terminates what a lab left running, deletes its volumes and restores the host's budget. */
async function cleanUp(hypervisor: Hypervisor, memoryBudgetMib: number): Promise<void> {
  const live = hypervisor.describeInstances().filter((instance) => instance.state.name !== "terminated");
  if (live.length > 0) await hypervisor.terminateInstances(live.map((instance) => instance.instanceId));
  for (const volume of hypervisor.describeVolumes()) {
    if (volume.state === "available") await hypervisor.deleteVolume(volume.volumeId);
  }
  await hypervisor.setHostCapacity({ memoryBudgetMib });
}
