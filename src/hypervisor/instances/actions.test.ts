/**
 * EC2's actions on existing instances: each checks every instance it is given first and changes
 * nothing when one refuses. Through a real hypervisor over fake workers, and through the wired
 * modules where the answer lies in the record (the CPU credit account).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instanceFootprintMib } from "../capacity/memoryBudget.ts";
import type { ModifyInstanceAttributeRequest } from "../hypervisor.ts";
import {
  describeOne,
  fakeFleet,
  INSTANCE_STORE_IMAGE_ID,
  isState,
  launchRunning,
  stopped,
  waitForInstance,
  type FakeFleet,
} from "../testing/fakeFleet.ts";
import { fakeModules, type FakeModules } from "../testing/fakeModules.ts";
import type { InstanceRecord } from "./record.ts";

describe("through the hypervisor", () => {
  let fleet: FakeFleet;
  beforeEach(async () => {
    fleet = await fakeFleet();
  });
  afterEach(() => fleet.close());

  it("stopInstances([ebs, instance-store]) answers UnsupportedOperation and changes neither", async () => {
    const ebs = await launchRunning(fleet);
    const store = await launchRunning(fleet, { imageId: INSTANCE_STORE_IMAGE_ID });
    await expect(fleet.hypervisor.stopInstances([ebs.instanceId, store.instanceId])).rejects.toMatchObject({
      code: "UnsupportedOperation",
      message: expect.stringContaining(store.instanceId),
    });
    expect(describeOne(fleet.hypervisor, ebs.instanceId)).toEqual(ebs);
    expect(describeOne(fleet.hypervisor, store.instanceId)).toEqual(store);
    for (const id of [ebs.instanceId, store.instanceId]) expect(fleet.host.workerOf(id).callsOf("powerOff")).toEqual([]);
  });

  it("terminateInstances refuses a protected instance with OperationNotPermitted, and terminates it once unprotected", async () => {
    const { instanceId } = await launchRunning(fleet, { disableApiTermination: true });
    await expect(fleet.hypervisor.terminateInstances([instanceId])).rejects.toMatchObject({ code: "OperationNotPermitted" });
    expect(describeOne(fleet.hypervisor, instanceId).state.name).toBe("running");
    await fleet.hypervisor.modifyInstanceAttribute(instanceId, { disableApiTermination: false });
    await fleet.hypervisor.terminateInstances([instanceId]);
    expect(describeOne(fleet.hypervisor, instanceId).state.name).toBe("terminated");
  });

  it("rebootInstances refuses a stopped instance, naming its state", async () => {
    const { instanceId } = await launchRunning(fleet);
    await stopped(fleet, instanceId);
    await expect(fleet.hypervisor.rebootInstances([instanceId])).rejects.toMatchObject({
      code: "IncorrectInstanceState",
      message: `The instance '${instanceId}' is stopped and cannot be rebooted in that state.`,
    });
  });

  it("runCommand runs the command through the agent and passes the guest's error on as EC2's", async () => {
    const { instanceId } = await launchRunning(fleet);
    const worker = fleet.host.workerOf(instanceId);
    await expect(fleet.hypervisor.runCommand(instanceId, "uname -a", { timeoutMs: 5000 })).resolves.toEqual({
      exitCode: 0,
      stdout: "ran: uname -a\n",
      stderr: "",
    });
    expect(worker.callsOf("exec").map((call) => call.args)).toEqual([["uname -a", 5000]]);
    worker.script.exec = () => ({ ok: false, error: { code: "GuestAgentTimeout", message: "no answer in 5 s" } });
    await expect(fleet.hypervisor.runCommand(instanceId, "sleep 60")).rejects.toMatchObject({ code: "GuestAgentTimeout" });
  });

  it.each<[string, ModifyInstanceAttributeRequest]>([
    ["a shutdown behaviour that does not exist", { instanceType: "t3.small", instanceInitiatedShutdownBehavior: "sometimes" } as never],
    ["protection that is not a boolean", { instanceType: "t3.small", disableApiTermination: "yes" } as never],
    ["a type that does not exist", { instanceType: "x9.huge", disableApiTermination: true }],
    ["a type too small for the image", { instanceType: "t3.nano", instanceInitiatedShutdownBehavior: "terminate" }],
  ])("modifyInstanceAttribute(stopped) with %s changes nothing, the valid parts included", async (_, request) => {
    const { instanceId } = await launchRunning(fleet, { instanceType: "t3.micro" });
    const before = await stopped(fleet, instanceId);
    await expect(fleet.hypervisor.modifyInstanceAttribute(instanceId, request)).rejects.toMatchObject({
      code: expect.stringMatching(/^InvalidParameter(Value|Type)$/),
    });
    expect(describeOne(fleet.hypervisor, instanceId)).toEqual(before);
  });

  it("modifyInstanceAttribute on a hibernated instance refuses the type and keeps the other parts too", async () => {
    const { instanceId } = await launchRunning(fleet, { hibernationOptions: { configured: true } });
    const before = await stopped(fleet, instanceId, { hibernate: true });
    await expect(
      fleet.hypervisor.modifyInstanceAttribute(instanceId, { instanceType: "t3.small", disableApiTermination: true }),
    ).rejects.toMatchObject({ code: "UnsupportedOperation" });
    expect(describeOne(fleet.hypervisor, instanceId)).toEqual(before);
  });

  it("a stopped instance boots with its new type's memory", async () => {
    const { instanceId } = await launchRunning(fleet, { instanceType: "t3.micro" });
    await stopped(fleet, instanceId);
    await fleet.hypervisor.modifyInstanceAttribute(instanceId, { instanceType: "c5.large" });
    expect(describeOne(fleet.hypervisor, instanceId)).toMatchObject({ instanceType: "c5.large", memoryMib: 256, cpuCredits: null });
    await fleet.hypervisor.startInstances([instanceId]);
    await waitForInstance(fleet.hypervisor, instanceId, isState("running"));
    expect(fleet.host.workerOf(instanceId).bootSpec?.memoryMib).toBe(256);
  });
});

describe("starts that must all fit", () => {
  let fleet: FakeFleet;
  // Room for one t3.micro (128 MiB and its emulator) at a time, not two.
  beforeEach(async () => {
    fleet = await fakeFleet({ memoryBudgetMib: 2 * instanceFootprintMib(128) - 1 });
  });
  afterEach(() => fleet.close());

  it("startInstances of two stopped instances that do not fit together refuses both", async () => {
    const first = await launchRunning(fleet);
    await stopped(fleet, first.instanceId);
    const second = await launchRunning(fleet);
    await stopped(fleet, second.instanceId);
    await expect(fleet.hypervisor.startInstances([first.instanceId, second.instanceId])).rejects.toMatchObject({
      code: "InsufficientInstanceCapacity",
    });
    for (const { instanceId } of [first, second]) expect(describeOne(fleet.hypervisor, instanceId).state.name).toBe("stopped");
    await fleet.hypervisor.startInstances([first.instanceId]);
    await waitForInstance(fleet.hypervisor, first.instanceId, isState("running"));
  });
});

describe("the CPU credit account behind a type change", () => {
  let harness: FakeModules;
  beforeEach(async () => {
    harness = await fakeModules();
  });
  afterEach(() => harness.close());

  async function stoppedRecord(): Promise<InstanceRecord> {
    const record = await harness.launch({
      instanceType: "t3.micro",
      creditSpecification: { cpuCredits: "standard" },
      hibernationOptions: { configured: true },
    });
    await expect.poll(() => record.instance.state.name).toBe("running");
    await harness.modules.instances.stop([record.instance.instanceId], {});
    expect(record.instance.state.name).toBe("stopped");
    return record;
  }

  it("is kept, with the type, when the type asked for does not fit the image", async () => {
    const record = await stoppedRecord();
    const credits = record.config.credits;
    expect(() =>
      harness.modules.instances.modifyAttribute(record.instance.instanceId, { instanceType: "t3.nano", disableApiTermination: true }),
    ).toThrow(expect.objectContaining({ code: "InvalidParameterValue", message: expect.stringContaining("at least 128 MiB") }));
    expect(record.config.credits).toBe(credits);
    expect(record.instance).toMatchObject({ instanceType: "t3.micro", disableApiTermination: false });
  });

  it("is kept when the instance is hibernated", async () => {
    const record = await stoppedRecord();
    await harness.modules.instances.start([record.instance.instanceId]);
    await expect.poll(() => record.instance.state.name).toBe("running");
    await harness.modules.instances.stop([record.instance.instanceId], { hibernate: true });
    const credits = record.config.credits;
    expect(() => harness.modules.instances.modifyAttribute(record.instance.instanceId, { instanceType: "t3.small" })).toThrow(
      expect.objectContaining({ code: "UnsupportedOperation" }),
    );
    expect(record.config.credits).toBe(credits);
  });

  it("is the new type's, in the same mode, after a change to another burstable type; none for a fixed one", async () => {
    const record = await stoppedRecord();
    const credits = record.config.credits;
    harness.modules.instances.modifyAttribute(record.instance.instanceId, { instanceType: "t3.small" });
    expect(record.config.credits).not.toBe(credits);
    expect(record.config.credits?.mode).toBe("standard");
    expect(record.instance.cpuCredits).toBe("standard");
    harness.modules.instances.modifyAttribute(record.instance.instanceId, { instanceType: "c5.large" });
    expect(record.config.credits).toBeNull();
    expect(record.instance.cpuCredits).toBeNull();
  });
});
