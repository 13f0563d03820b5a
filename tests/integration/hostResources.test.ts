/**
 * The host's budgets and the meter, with real instances: admission by memory, user data on
 * the first boot only, and what stopping does to the bill.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Hypervisor, type Instance, instanceFootprintMib } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../../src/hypervisor/node.ts";
import { waitForInstance } from "./waitFor.ts";

const ready = (i: Instance) => i.state.name === "running" && i.statusChecks.instance === "ok";

describe("the memory budget", () => {
  let hypervisor: Hypervisor;
  beforeAll(async () => {
    hypervisor = await createNodeHypervisor({ memoryBudgetMib: instanceFootprintMib(128) * 2 });
  });
  afterAll(() => hypervisor.shutdownAll());

  it("refuses a launch that does not fit, changes nothing, and admits it once an instance stops", async () => {
    const first = (await hypervisor.runInstances({ instanceType: "t3.micro" }))[0] as Instance;
    const second = (await hypervisor.runInstances({ instanceType: "t3.micro" }))[0] as Instance;
    const before = hypervisor.describeInstances().map((i) => i.instanceId);

    await expect(hypervisor.runInstances({ instanceType: "t3.micro" })).rejects.toMatchObject({
      code: "InsufficientInstanceCapacity",
      message: expect.stringMatching(/t3\.micro.*in use/),
    });
    // A dry run asks the same question and launches nothing either way.
    await expect(hypervisor.runInstances({ instanceType: "t3.micro", dryRun: true })).rejects.toMatchObject({
      code: "InsufficientInstanceCapacity",
    });
    expect(hypervisor.describeInstances().map((i) => i.instanceId)).toEqual(before);

    await waitForInstance(hypervisor, first.instanceId, ready);
    await waitForInstance(hypervisor, second.instanceId, ready);
    expect(hypervisor.describeHostCapacity().memoryInUseMib).toBe(instanceFootprintMib(128) * 2);
    // Both are untouched by the refused launch.
    expect((await hypervisor.runCommand(first.instanceId, "echo alive")).stdout).toBe("alive\n");

    await hypervisor.stopInstances([second.instanceId]);
    expect(hypervisor.describeHostCapacity().memoryInUseMib).toBe(instanceFootprintMib(128));
    await expect(hypervisor.runInstances({ instanceType: "t3.micro", dryRun: true })).rejects.toMatchObject({ code: "DryRunOperation" });
    expect(hypervisor.describeInstances()).toHaveLength(2);
    const third = (await hypervisor.runInstances({ instanceType: "t3.micro" }))[0] as Instance;
    // Now the stopped one cannot start: the third holds its memory.
    await expect(hypervisor.startInstances([second.instanceId])).rejects.toMatchObject({ code: "InsufficientInstanceCapacity" });
    expect(hypervisor.describeInstances({ instanceIds: [second.instanceId] })[0]?.state.name).toBe("stopped");
    await hypervisor.terminateInstances([third.instanceId]);
  });
});

describe("user data and the meter", () => {
  let hypervisor: Hypervisor;
  let id: string;
  beforeAll(async () => {
    hypervisor = await createNodeHypervisor();
    const [instance] = (await hypervisor.runInstances({
      userData: "#!/bin/sh\necho hello-from-user-data\necho ran >> /root/user-data-runs\n",
    })) as [Instance];
    id = instance.instanceId;
    await waitForInstance(hypervisor, id, ready);
  });
  afterAll(() => hypervisor.shutdownAll());

  it("runs user data at the first boot, with its output on the console", async () => {
    expect((await hypervisor.runCommand(id, "cat /root/user-data-runs")).stdout).toBe("ran\n");
    const console = hypervisor.getConsoleOutput(id).output;
    expect(console).toContain("user-data: hello-from-user-data");
    expect(console).toContain("user-data: finished with exit code 0");
  });

  it("bills at least a minute while running, then only storage while stopped", async () => {
    const running = hypervisor.getInstanceBill(id);
    expect(running.billedSeconds).toBeGreaterThanOrEqual(60);
    expect(running.computeUsd).toBeCloseTo((60 / 3600) * 0.0104, 6);
    await hypervisor.stopInstances([id]);
    const stopped = hypervisor.getInstanceBill(id);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = hypervisor.getInstanceBill(id);
    expect(later.computeUsd).toBe(stopped.computeUsd);
    expect(later.storageUsd).toBeGreaterThan(stopped.storageUsd);
  });

  it("does not run user data again when the instance starts again", async () => {
    await hypervisor.startInstances([id]);
    await waitForInstance(hypervisor, id, ready);
    expect((await hypervisor.runCommand(id, "cat /root/user-data-runs")).stdout).toBe("ran\n");
    expect(hypervisor.getInstanceBill(id).billedSeconds).toBeGreaterThanOrEqual(120);
  });
});
