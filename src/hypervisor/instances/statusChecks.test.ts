/**
 * EC2's two status checks through a real hypervisor over fake workers: the instance check waits
 * for the guest's agent after a resume as after a boot, and the system check follows whether the
 * instance's worker answers at all.
 */
import { afterEach, describe, expect, it } from "vitest";
import { agentOk, fakeFleet, isState, launchRunning, stopped, waitForInstance, type FakeFleet } from "../testing/fakeFleet.ts";

let fleet: FakeFleet | null = null;
afterEach(async () => {
  await fleet?.close();
  fleet = null;
});

describe("the instance status check of a resumed instance", () => {
  it("is initializing when the instance runs again, and passes only once the agent in the saved state answers", async () => {
    const current = (fleet = await fakeFleet());
    const { instanceId } = await launchRunning(current, { hibernationOptions: { configured: true } });
    await stopped(current, instanceId, { hibernate: true });
    current.host.script.ping = () => ({ ok: false, error: { code: "GuestAgentTimeout", message: "no answer" } });

    await current.hypervisor.startInstances([instanceId]);
    const resumed = await waitForInstance(current.hypervisor, instanceId, isState("running"), "running");
    expect(resumed.statusChecks).toEqual({ system: "ok", instance: "initializing" });

    current.host.script.ping = () => ({ ok: true, value: undefined });
    const alive = await waitForInstance(current.hypervisor, instanceId, agentOk, "its agent answering");
    expect(alive.statusChecks).toEqual({ system: "ok", instance: "ok" });
  });
});

describe("the system status check", () => {
  it("fails while the instance's worker does not answer, and passes again when it does", async () => {
    // Samples come quickly here, so the deadline (counted in samples) passes within the wait.
    const current = (fleet = await fakeFleet({ sampleIntervalMs: 5 }));
    const { instanceId } = await launchRunning(current);
    const worker = current.host.workerOf(instanceId);

    worker.hang();
    const impaired = await waitForInstance(current.hypervisor, instanceId, (i) => i.statusChecks.system === "impaired", "impaired");
    expect(impaired.state.name).toBe("running");

    worker.answerAgain();
    const recovered = await waitForInstance(current.hypervisor, instanceId, (i) => i.statusChecks.system === "ok", "ok again");
    expect(recovered.statusChecks).toEqual({ system: "ok", instance: "ok" });
  });
});
