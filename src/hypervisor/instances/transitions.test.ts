/**
 * How instances move between states, through a real hypervisor over fake workers: launch and
 * boot, stop, hibernate and resume, terminate and the volumes that go or stay, and what the
 * worker or the guest does on its own (crash, emulator error, poweroff, reboot).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OVERLAY_BLOCK_BYTES } from "../../disk/blockOverlay.ts";
import {
  agentOk,
  describeOne,
  EBS_IMAGE_ID,
  fakeFleet,
  INSTANCE_STORE_IMAGE_ID,
  isState,
  launch,
  launchRunning,
  stopped,
  volumeAt,
  waitForInstance,
  type FakeFleet,
} from "../testing/fakeFleet.ts";
import { SAVED_STATE_BYTES } from "../testing/fakeWorkerHost.ts";
import type { Instance } from "./instance.ts";

let fleet: FakeFleet;
beforeEach(async () => {
  fleet = await fakeFleet({ stopTimeoutMs: 1234 });
});
afterEach(() => fleet.close());

/** Every state the instance passes through from now on, by the hypervisor's events. */
function statesOf(instanceId: string): Instance["state"]["name"][] {
  const seen: Instance["state"]["name"][] = [];
  fleet.hypervisor.subscribe((event) => {
    if (event.type === "instance-changed" && event.instance.instanceId === instanceId) {
      if (seen.at(-1) !== event.instance.state.name) seen.push(event.instance.state.name);
    }
  });
  return seen;
}

describe("a launch", () => {
  it("is pending until the boot resolves, then running; its status check passes once the agent is ready", async () => {
    const boot = fleet.host.hold("boot");
    const { instanceId } = await launch(fleet, { imageId: EBS_IMAGE_ID, instanceType: "t3.small" });
    await boot.reached;
    expect(describeOne(fleet.hypervisor, instanceId).state.name).toBe("pending");

    const spec = fleet.host.workerOf(instanceId).bootSpec;
    expect(spec).toMatchObject({ instanceId, memoryMib: 256, kernelCommandLine: expect.stringContaining(instanceId) });
    expect(spec?.hibernation).toBeUndefined();

    fleet.host.release("boot");
    const running = await waitForInstance(fleet.hypervisor, instanceId, isState("running"));
    expect(running.statusChecks).toEqual({ system: "ok", instance: "initializing" });
    fleet.host.workerOf(instanceId).agentReady();
    await waitForInstance(fleet.hypervisor, instanceId, agentOk, "agent ok");
  });

  it("that the worker refuses to boot is terminated with the worker's reason", async () => {
    fleet.host.script = {
      ...fleet.host.script,
      boot: () => ({ ok: false, error: { code: "InstanceBootFailure", message: "v86 could not start" } }),
    };
    const { instanceId } = await launch(fleet);
    const failed = await waitForInstance(fleet.hypervisor, instanceId, isState("terminated"));
    expect(failed.stateReason).toEqual({
      code: "Server.InternalError",
      message: "Server.InternalError: InstanceBootFailure: v86 could not start",
    });
  });

  it("whose worker crashes while pending is terminated with the reason", async () => {
    const boot = fleet.host.hold("boot");
    const { instanceId } = await launch(fleet);
    await boot.reached;
    fleet.host.workerOf(instanceId).crash("out of memory");
    const failed = await waitForInstance(fleet.hypervisor, instanceId, isState("terminated"));
    expect(failed.stateReason?.message).toContain("out of memory");
  });

  // A root volume left attached to a terminated instance would be in use for ever: neither
  // deletable nor detachable.
  it("that never ran leaves no root volume behind (DeleteOnTermination)", async () => {
    const boot = fleet.host.hold("boot");
    const { instanceId } = await launch(fleet);
    await boot.reached;
    expect(volumeAt(fleet.hypervisor, instanceId, "/dev/sda")).toBeDefined();
    fleet.host.workerOf(instanceId).crash("out of memory");
    await waitForInstance(fleet.hypervisor, instanceId, isState("terminated"));
    fleet.host.release("boot");
    await expect.poll(() => volumeAt(fleet.hypervisor, instanceId, "/dev/sda"), { timeout: 300 }).toBeUndefined();
  });
});

describe("a start", () => {
  it("that the worker refuses to boot leaves the instance stopped with the reason, its volume kept", async () => {
    const { instanceId } = await launchRunning(fleet);
    await stopped(fleet, instanceId);
    fleet.host.script = { ...fleet.host.script, boot: () => ({ ok: false, error: { code: "InstanceBootFailure", message: "no memory" } }) };
    await fleet.hypervisor.startInstances([instanceId]);
    const after = await waitForInstance(fleet.hypervisor, instanceId, (i) => i.state.name === "stopped" && i.stateReason !== null);
    expect(after.stateReason?.message).toBe("Server.InternalError: InstanceBootFailure: no memory");
    expect(volumeAt(fleet.hypervisor, instanceId, "/dev/sda")).toBeDefined();
  });

  // An instance that ran before keeps its volume and stays stopped, whichever way its boot failed.
  it("whose worker crashes while pending leaves the instance stopped, as a refused boot does", async () => {
    const { instanceId } = await launchRunning(fleet);
    await stopped(fleet, instanceId);
    const boot = fleet.host.hold("boot");
    await fleet.hypervisor.startInstances([instanceId]);
    await boot.reached;
    fleet.host.workerOf(instanceId).crash("out of memory");
    await expect.poll(() => describeOne(fleet.hypervisor, instanceId).state.name, { timeout: 300 }).toBe("stopped");
  });
});

describe("a running instance's worker", () => {
  it("that crashes leaves the instance running but impaired, with the reason", async () => {
    const { instanceId } = await launchRunning(fleet);
    const worker = fleet.host.workerOf(instanceId);
    worker.crash("out of memory");
    const impaired = await waitForInstance(fleet.hypervisor, instanceId, (i) => i.statusChecks.instance === "impaired");
    expect(impaired.state.name).toBe("running");
    expect(impaired.statusChecks.system).toBe("impaired");
    expect(impaired.stateReason?.message).toContain("out of memory");
    expect(worker.terminated).toBe(true);
  });

  it("whose emulator reports an error leaves the instance impaired with that error", async () => {
    const { instanceId } = await launchRunning(fleet);
    fleet.host.workerOf(instanceId).emulatorError({ code: "InternalError", message: "the CPU hit an invalid opcode" });
    const impaired = await waitForInstance(fleet.hypervisor, instanceId, (i) => i.statusChecks.system === "impaired");
    expect(impaired.stateReason?.message).toBe("Server.InternalError: the CPU hit an invalid opcode");
  });

  // Asking the dead worker to reboot would leave the instance "initializing" for ever.
  it("that crashed is booted again by a reboot, as the impaired status tells the person to do", async () => {
    const { instanceId } = await launchRunning(fleet);
    fleet.host.workerOf(instanceId).crash("out of memory");
    await waitForInstance(fleet.hypervisor, instanceId, (i) => i.statusChecks.instance === "impaired");
    await fleet.hypervisor.rebootInstances([instanceId]);
    await expect.poll(() => fleet.host.workersOf(instanceId).length, { timeout: 300 }).toBe(2);
    await waitForInstance(fleet.hypervisor, instanceId, (i) => i.state.name === "running" && i.statusChecks.system === "ok");
    fleet.host.workerOf(instanceId).agentReady();
    await waitForInstance(fleet.hypervisor, instanceId, agentOk, "agent ok after the reboot");
  });
});

describe("a crashed instance rebooted back to health", () => {
  // The instances table shows a Server.InternalError reason as an alert: it must not outlive the
  // emulator it was about.
  it("no longer shows the crash as its reason", async () => {
    const { instanceId } = await launchRunning(fleet);
    fleet.host.workerOf(instanceId).crash("out of memory");
    await waitForInstance(fleet.hypervisor, instanceId, (i) => i.statusChecks.instance === "impaired");
    await fleet.hypervisor.rebootInstances([instanceId]);
    await expect.poll(() => fleet.host.workersOf(instanceId).length, { timeout: 300 }).toBe(2);
    await waitForInstance(fleet.hypervisor, instanceId, (i) => i.state.name === "running" && i.statusChecks.system === "ok");
    fleet.host.workerOf(instanceId).agentReady();
    const healthy = await waitForInstance(fleet.hypervisor, instanceId, agentOk);
    expect(healthy.stateReason?.code).not.toBe("Server.InternalError");
  });
});

describe("stopping", () => {
  it("is stopping while the guest powers off, calls powerOff once, keeps the root volume and its last writes", async () => {
    const { instanceId } = await launchRunning(fleet);
    const worker = fleet.host.workerOf(instanceId);
    const root = volumeAt(fleet.hypervisor, instanceId, "/dev/sda");
    worker.write("root", new Map([[2, new Uint8Array(OVERLAY_BLOCK_BYTES).fill(9)]]));
    const powerOff = fleet.host.hold("powerOff");
    const stopping = fleet.hypervisor.stopInstances([instanceId]);
    await powerOff.reached;
    expect(describeOne(fleet.hypervisor, instanceId).state.name).toBe("stopping");
    fleet.host.release("powerOff");
    const [change] = await stopping;
    expect(change?.currentState.name).toBe("stopped");

    expect(worker.callsOf("powerOff").map((call) => call.args)).toEqual([[{ timeoutMs: 1234, force: false }]]);
    expect(worker.terminated).toBe(true);
    const after = describeOne(fleet.hypervisor, instanceId);
    expect(after.stateReason?.code).toBe("Client.UserInitiatedShutdown");
    expect(after.statusChecks).toEqual({ system: "not-applicable", instance: "not-applicable" });
    expect(volumeAt(fleet.hypervisor, instanceId, "/dev/sda")).toMatchObject({
      volumeId: root?.volumeId,
      writtenBytes: OVERLAY_BLOCK_BYTES,
    });
  });

  it("the next start boots a fresh worker from the same root volume's blocks", async () => {
    const { instanceId } = await launchRunning(fleet);
    fleet.host.workerOf(instanceId).write("root", new Map([[1, new Uint8Array(OVERLAY_BLOCK_BYTES).fill(3)]]));
    await stopped(fleet, instanceId);
    await fleet.hypervisor.startInstances([instanceId]);
    await waitForInstance(fleet.hypervisor, instanceId, isState("running"));
    const [first, second] = fleet.host.workersOf(instanceId);
    expect(second).toBeDefined();
    expect(second?.bootSpec?.rootVolume.writtenBlocks.get(1)?.[0]).toBe(3);
    expect(first?.callsOf("boot")).toHaveLength(1);
  });
});

describe("hibernating", () => {
  it("saves the state, and the next start passes it to the boot and resumes with the agent up", async () => {
    const { instanceId } = await launchRunning(fleet, { hibernationOptions: { configured: true } });
    const worker = fleet.host.workerOf(instanceId);
    const after = await stopped(fleet, instanceId, { hibernate: true });
    expect(after).toMatchObject({ hibernated: true, stateReason: { code: "Client.UserInitiatedHibernate" } });
    expect(worker.callsOf("hibernate")).toHaveLength(1);
    expect(worker.callsOf("powerOff")).toHaveLength(0);
    expect(fleet.hypervisor.describeHibernation(instanceId)).toEqual({ stateBytes: SAVED_STATE_BYTES });

    await fleet.hypervisor.startInstances([instanceId]);
    // The agent in the saved state is asked, as it will not say ready again.
    const resumed = await waitForInstance(fleet.hypervisor, instanceId, agentOk, "running with its agent answering");
    expect(fleet.host.workerOf(instanceId).bootSpec?.hibernation?.byteLength).toBe(SAVED_STATE_BYTES);
    expect(resumed).toMatchObject({ hibernated: false, statusChecks: { system: "ok", instance: "ok" } });
    expect(fleet.hypervisor.describeHibernation(instanceId)).toBeNull();
  });

  it("that the worker cannot do stops the instance instead, to boot afresh", async () => {
    const { instanceId } = await launchRunning(fleet, { hibernationOptions: { configured: true } });
    fleet.host.workerOf(instanceId).script.hibernate = () => ({ ok: false, error: { code: "InternalError", message: "no" } });
    const after = await stopped(fleet, instanceId, { hibernate: true });
    expect(after.hibernated).toBe(false);
    expect(after.stateReason?.code).toBe("Server.InternalError");
    expect(fleet.hypervisor.describeHibernation(instanceId)).toBeNull();
  });
});

describe("terminating", () => {
  it("deletes the root volume (DeleteOnTermination) and detaches a data volume", async () => {
    const { instanceId } = await launchRunning(fleet);
    const root = volumeAt(fleet.hypervisor, instanceId, "/dev/sda");
    await stopped(fleet, instanceId);
    const data = await fleet.hypervisor.createVolume({ sizeMib: 1 });
    await fleet.hypervisor.attachVolume(data.volumeId, instanceId);
    const shuttingDown = fleet.host.hold("terminate");
    await fleet.hypervisor.startInstances([instanceId]);
    await waitForInstance(fleet.hypervisor, instanceId, isState("running"));
    const terminating = fleet.hypervisor.terminateInstances([instanceId]);
    await shuttingDown.reached;
    expect(describeOne(fleet.hypervisor, instanceId).state.name).toBe("shutting-down");
    fleet.host.release("terminate");
    await terminating;

    expect(describeOne(fleet.hypervisor, instanceId)).toMatchObject({
      state: { name: "terminated" },
      statusChecks: { system: "not-applicable", instance: "not-applicable" },
    });
    const volumeIds = fleet.hypervisor.describeVolumes().map((volume) => volume.volumeId);
    expect(volumeIds).not.toContain(root?.volumeId);
    expect(fleet.hypervisor.describeVolumes({ volumeIds: [data.volumeId] })[0]).toMatchObject({ state: "available", attachments: [] });
  });
});

describe("the guest on its own", () => {
  it("powering off stops the instance by default, keeping its root volume", async () => {
    const { instanceId } = await launchRunning(fleet);
    const seen = statesOf(instanceId);
    fleet.host.workerOf(instanceId).guestShutdown();
    const after = await waitForInstance(fleet.hypervisor, instanceId, isState("stopped"));
    expect(seen).toEqual(["stopping", "stopped"]);
    expect(after.stateReason?.code).toBe("Client.InstanceInitiatedShutdown");
    expect(volumeAt(fleet.hypervisor, instanceId, "/dev/sda")).toBeDefined();
  });

  it("powering off terminates the instance when its shutdown behaviour says terminate", async () => {
    const { instanceId } = await launchRunning(fleet, { instanceInitiatedShutdownBehavior: "terminate" });
    fleet.host.workerOf(instanceId).guestShutdown();
    const after = await waitForInstance(fleet.hypervisor, instanceId, isState("terminated"));
    expect(after.stateReason?.code).toBe("Client.InstanceInitiatedShutdown");
    expect(volumeAt(fleet.hypervisor, instanceId, "/dev/sda")).toBeUndefined();
  });

  it("powering off always terminates an instance-store instance, which cannot be stopped", async () => {
    const { instanceId } = await launchRunning(fleet, { imageId: INSTANCE_STORE_IMAGE_ID });
    fleet.host.workerOf(instanceId).guestShutdown();
    await waitForInstance(fleet.hypervisor, instanceId, isState("terminated"));
  });

  it("rebooting boots a fresh worker from the same volume, and the instance stays running", async () => {
    const { instanceId } = await launchRunning(fleet);
    const first = fleet.host.workerOf(instanceId);
    first.write("root", new Map([[0, new Uint8Array(OVERLAY_BLOCK_BYTES).fill(5)]]));
    const seen = statesOf(instanceId);
    first.guestReboot();
    await expect.poll(() => fleet.host.workersOf(instanceId).length).toBe(2);
    const second = fleet.host.workerOf(instanceId);
    await waitForInstance(fleet.hypervisor, instanceId, (i) => i.statusChecks.instance === "initializing");
    expect(first.terminated).toBe(true);
    expect(second.bootSpec?.rootVolume.writtenBlocks.get(0)?.[0]).toBe(5);
    second.agentReady();
    await waitForInstance(fleet.hypervisor, instanceId, agentOk);
    expect(seen.every((state) => state === "running")).toBe(true);
  });

  it("rebootInstances asks the guest to reboot, and the same fresh boot follows", async () => {
    const { instanceId } = await launchRunning(fleet);
    const first = fleet.host.workerOf(instanceId);
    await fleet.hypervisor.rebootInstances([instanceId]);
    expect(first.callsOf("reboot")).toHaveLength(1);
    await expect.poll(() => fleet.host.workersOf(instanceId).length).toBe(2);
    fleet.host.workerOf(instanceId).agentReady();
    await waitForInstance(fleet.hypervisor, instanceId, agentOk);
  });
});

describe("shutting the hypervisor down", () => {
  // Timers left running would announce changes (an agent's deadline, a terminated listing's
  // expiry) from a hypervisor that was shut down, and reach into its closed database.
  it("leaves no timer behind: no agent deadline, no pending removal of a terminated instance", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const timed = await fakeFleet();
      await launchRunning(timed, {}, "booting");
      const { instanceId } = await launchRunning(timed);
      await timed.hypervisor.terminateInstances([instanceId]);
      await timed.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
