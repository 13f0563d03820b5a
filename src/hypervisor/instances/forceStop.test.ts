/**
 * EC2's force stop, through a real hypervisor over fake workers whose guest never shuts down:
 * the way out of a stuck stopping, and a stop without the graceful shutdown.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OVERLAY_BLOCK_BYTES } from "../../disk/blockOverlay.ts";
import { describeOne, fakeFleet, launchRunning, volumeAt, type FakeFleet } from "../testing/fakeFleet.ts";

let fleet: FakeFleet;
beforeEach(async () => {
  // A stop would wait an hour for the guest: only a force stop ends it within the test.
  fleet = await fakeFleet({ stopTimeoutMs: 3_600_000 });
});
afterEach(async () => {
  fleet.host.dispose();
  await fleet.close();
});

describe("a force stop", () => {
  it("stops an instance stuck stopping at once, keeps what its guest wrote, and settles the stop that was waiting", async () => {
    const { instanceId } = await launchRunning(fleet);
    const worker = fleet.host.workerOf(instanceId);
    worker.write("root", new Map([[4, new Uint8Array(OVERLAY_BLOCK_BYTES).fill(5)]]));
    const guestHangs = fleet.host.hold("powerOff");
    const stuck = fleet.hypervisor.stopInstances([instanceId]);
    await guestHangs.reached;
    expect(describeOne(fleet.hypervisor, instanceId).state.name).toBe("stopping");

    const [forced] = await fleet.hypervisor.stopInstances([instanceId], { force: true });
    expect(forced).toMatchObject({ previousState: { name: "stopping" }, currentState: { name: "stopped" } });
    await expect(stuck).resolves.toHaveLength(1);

    expect(worker.callsOf("powerOff").map((call) => call.args[0])).toEqual([
      { timeoutMs: 3_600_000, force: false },
      { timeoutMs: 3_600_000, force: true },
    ]);
    expect(worker.terminated).toBe(true);
    expect(describeOne(fleet.hypervisor, instanceId)).toMatchObject({
      state: { name: "stopped" },
      hibernated: false,
      stateReason: { code: "Client.UserInitiatedShutdown" },
      statusChecks: { system: "not-applicable", instance: "not-applicable" },
    });
    expect(volumeAt(fleet.hypervisor, instanceId, "/dev/sda")?.writtenBytes).toBe(OVERLAY_BLOCK_BYTES);
  });

  it("stops an instance stuck hibernating, without a saved state to resume", async () => {
    const { instanceId } = await launchRunning(fleet, { hibernationOptions: { configured: true } });
    const savingHangs = fleet.host.hold("hibernate");
    const stuck = fleet.hypervisor.stopInstances([instanceId], { hibernate: true });
    await savingHangs.reached;

    await fleet.hypervisor.stopInstances([instanceId], { force: true });
    await expect(stuck).resolves.toHaveLength(1);
    expect(describeOne(fleet.hypervisor, instanceId)).toMatchObject({ state: { name: "stopped" }, hibernated: false });
    expect(fleet.hypervisor.describeHibernation(instanceId)).toBeNull();
  });

  it("of a running instance cuts the power without asking the guest to shut down", async () => {
    const { instanceId } = await launchRunning(fleet);
    fleet.host.hold("powerOff");
    const [change] = await fleet.hypervisor.stopInstances([instanceId], { force: true });
    expect(change?.currentState.name).toBe("stopped");
    expect(
      fleet.host
        .workerOf(instanceId)
        .callsOf("powerOff")
        .map((call) => call.args[0]),
    ).toEqual([{ timeoutMs: 3_600_000, force: true }]);
  });

  it("cannot be combined with hibernate", async () => {
    const { instanceId } = await launchRunning(fleet, { hibernationOptions: { configured: true } });
    await expect(fleet.hypervisor.stopInstances([instanceId], { force: true, hibernate: true })).rejects.toMatchObject({
      code: "InvalidParameterCombination",
    });
    expect(describeOne(fleet.hypervisor, instanceId).state.name).toBe("running");
  });
});

describe("a reboot of a terminated instance", () => {
  it("succeeds and changes nothing, as on EC2", async () => {
    const { instanceId } = await launchRunning(fleet);
    await fleet.hypervisor.terminateInstances([instanceId]);
    const before = describeOne(fleet.hypervisor, instanceId);
    const workers = fleet.host.workersOf(instanceId).length;
    await expect(fleet.hypervisor.rebootInstances([instanceId])).resolves.toBeUndefined();
    expect(describeOne(fleet.hypervisor, instanceId)).toEqual(before);
    expect(fleet.host.workersOf(instanceId)).toHaveLength(workers);
  });
});
