/**
 * Every instance action settles: one overtaken by another on the same instance ends with the
 * instance's state then, and a repeated id is one id, as on EC2.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { describeOne, fakeFleet, launchRunning, type FakeFleet } from "../testing/fakeFleet.ts";
import { fakeModules } from "../testing/fakeModules.ts";

let fleet: FakeFleet;
beforeEach(async () => {
  // A guest that does not power off would hold a stop for an hour: only what overtakes it ends it.
  fleet = await fakeFleet({ stopTimeoutMs: 3_600_000 });
});
afterEach(() => fleet.close());

describe("a stop overtaken by a termination", () => {
  it("settles, reporting the instance as it is then, and the instance ends terminated", async () => {
    const { instanceId } = await launchRunning(fleet);
    const guestHangs = fleet.host.hold("powerOff");
    const stopping = fleet.hypervisor.stopInstances([instanceId]);
    await guestHangs.reached;

    const [terminated] = await fleet.hypervisor.terminateInstances([instanceId]);
    expect(terminated).toMatchObject({ previousState: { name: "stopping" }, currentState: { name: "terminated" } });
    const [stop] = await stopping;
    expect(stop).toMatchObject({ instanceId, previousState: { name: "running" } });
    expect(describeOne(fleet.hypervisor, instanceId).state.name).toBe("terminated");
  });

  it("while hibernating settles too, and nothing is left to resume", async () => {
    const { instanceId } = await launchRunning(fleet, { hibernationOptions: { configured: true } });
    const savingHangs = fleet.host.hold("hibernate");
    const hibernating = fleet.hypervisor.stopInstances([instanceId], { hibernate: true });
    await savingHangs.reached;

    await fleet.hypervisor.terminateInstances([instanceId]);
    await expect(hibernating).resolves.toHaveLength(1);
    expect(describeOne(fleet.hypervisor, instanceId)).toMatchObject({ state: { name: "terminated" }, hibernated: false });
    expect(fleet.hypervisor.describeHibernation(instanceId)).toBeNull();
  });
});

describe("the same id twice", () => {
  it("hibernates the instance once and reports it once", async () => {
    const { instanceId } = await launchRunning(fleet, { hibernationOptions: { configured: true } });
    const changes = await fleet.hypervisor.stopInstances([instanceId, instanceId], { hibernate: true });
    expect(changes).toEqual([expect.objectContaining({ instanceId, previousState: expect.objectContaining({ name: "running" }) })]);
    expect(fleet.host.workerOf(instanceId).callsOf("hibernate")).toHaveLength(1);
  });

  it("stops, starts, reboots and terminates the instance once", async () => {
    const { instanceId } = await launchRunning(fleet);
    const worker = fleet.host.workerOf(instanceId);
    await fleet.hypervisor.rebootInstances([instanceId, instanceId]);
    expect(worker.callsOf("reboot")).toHaveLength(1);
    fleet.host.script.powerOff = () => ({ ok: true, value: { graceful: true } });
    await expect(fleet.hypervisor.stopInstances([instanceId, instanceId], { force: true })).resolves.toHaveLength(1);
    await expect(fleet.hypervisor.startInstances([instanceId, instanceId])).resolves.toHaveLength(1);
    await expect(fleet.hypervisor.terminateInstances([instanceId, instanceId])).resolves.toEqual([
      expect.objectContaining({ instanceId, currentState: expect.objectContaining({ name: "terminated" }) }),
    ]);
  });
});

describe("the instance actions given one instance twice (a caller that skipped the request's checks)", () => {
  it("act on it once: a second hibernation would overtake the first", async () => {
    const harness = await fakeModules();
    try {
      const record = await harness.launch({ hibernationOptions: { configured: true } });
      await vi.waitFor(() => expect(record.instance.state.name).toBe("running"));
      const id = record.instance.instanceId;
      const changes = await harness.modules.instances.stop([id, id], { hibernate: true });
      expect(changes).toHaveLength(1);
      expect(harness.host.workerOf(id).callsOf("hibernate")).toHaveLength(1);
      expect(record.instance).toMatchObject({ state: { name: "stopped" }, hibernated: true });
    } finally {
      await harness.close();
    }
  });
});
