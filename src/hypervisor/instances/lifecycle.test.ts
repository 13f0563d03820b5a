import { describe, expect, it } from "vitest";
import { instanceState, type InstanceStateName } from "./instance.ts";
import { decide, statesAllowing, unavailableBecause, type InstanceFacts, type LifecycleAction } from "./lifecycle.ts";

const ID = "i-0123456789abcdef0";
const STATES: InstanceStateName[] = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"];

function facts(state: InstanceStateName, more: Partial<InstanceFacts> = {}): InstanceFacts {
  return {
    instanceId: ID,
    state: instanceState(state),
    hibernated: false,
    hibernationOptions: { configured: true },
    rootDeviceType: "ebs",
    disableApiTermination: false,
    statusChecks: { system: "ok", instance: "ok" },
    ...more,
  };
}

// EC2's documented behaviour, one row per action, states in the order above.
const EXPECTED: Record<LifecycleAction, string[]> = {
  start: ["no-op", "no-op", "refuse", "proceed", "refuse", "refuse"],
  stop: ["refuse", "proceed", "no-op", "no-op", "refuse", "refuse"],
  forceStop: ["refuse", "proceed", "proceed", "no-op", "refuse", "refuse"],
  hibernate: ["refuse", "proceed", "no-op", "no-op", "refuse", "refuse"],
  reboot: ["refuse", "proceed", "refuse", "refuse", "refuse", "no-op"],
  terminate: ["proceed", "proceed", "proceed", "proceed", "no-op", "no-op"],
  modifyInstanceType: ["refuse", "refuse", "refuse", "proceed", "refuse", "refuse"],
  modifyInstanceAttribute: ["proceed", "proceed", "proceed", "proceed", "proceed", "refuse"],
  attachVolume: ["refuse", "refuse", "refuse", "proceed", "refuse", "refuse"],
  detachVolume: ["refuse", "refuse", "refuse", "proceed", "refuse", "proceed"],
  createImage: ["refuse", "proceed", "refuse", "proceed", "refuse", "refuse"],
  createSnapshot: ["proceed", "proceed", "proceed", "proceed", "proceed", "proceed"],
  runCommand: ["refuse", "proceed", "refuse", "refuse", "refuse", "refuse"],
  labCheck: ["refuse", "proceed", "refuse", "refuse", "refuse", "refuse"],
  sendConsoleInput: ["refuse", "proceed", "refuse", "refuse", "refuse", "refuse"],
};

describe("the lifecycle table", () => {
  for (const [action, row] of Object.entries(EXPECTED) as [LifecycleAction, string[]][]) {
    it.each(STATES.map((state, i) => [state, row[i]] as const))(`${action} when %s: %s`, (state, expected) => {
      const decision = decide(action, facts(state));
      expect(decision.kind).toBe(expected);
      if (decision.kind === "refuse") {
        expect(decision.code).toBe("IncorrectInstanceState");
        expect(decision.message).toContain(ID);
        expect(decision.message).toContain(state);
      }
    });
  }

  it("tells the UI where each action is accepted", () => {
    expect(statesAllowing("modifyInstanceType")).toEqual(["stopped"]);
    expect(statesAllowing("start")).toEqual(["pending", "running", "stopped"]);
  });
});

describe("the rules beyond the state", () => {
  it("an instance-store root can be neither stopped nor hibernated, nor imaged", () => {
    const store = facts("running", { rootDeviceType: "instance-store" });
    for (const action of ["stop", "hibernate", "createImage"] as const) {
      const decision = decide(action, store);
      expect(decision).toMatchObject({ kind: "refuse", code: "UnsupportedOperation" });
    }
    expect(decide("reboot", store).kind).toBe("proceed");
    expect(decide("terminate", store).kind).toBe("proceed");
  });

  it("hibernation is refused for an instance launched without it, telling how to enable it", () => {
    const plain = facts("running", { hibernationOptions: { configured: false } });
    expect(decide("hibernate", plain)).toMatchObject({
      kind: "refuse",
      code: "UnsupportedHibernationConfiguration",
      message: expect.stringContaining("hibernation must be enabled at launch"),
    });
    expect(unavailableBecause("hibernate", plain)).toContain("hibernation must be enabled at launch");
    expect(decide("stop", plain).kind).toBe("proceed");
    expect(decide("hibernate", facts("stopped", { hibernationOptions: { configured: false } })).kind).toBe("no-op");
  });

  it("a stuck stop can be forced, and a force stop of an instance-store root is refused as a stop is", () => {
    expect(decide("forceStop", facts("stopping")).kind).toBe("proceed");
    expect(decide("stop", facts("stopping")).kind).toBe("no-op");
    expect(decide("forceStop", facts("running", { rootDeviceType: "instance-store" }))).toMatchObject({
      kind: "refuse",
      code: "UnsupportedOperation",
    });
  });

  it("termination protection refuses with OperationNotPermitted, but a terminated instance stays a no-op", () => {
    expect(decide("terminate", facts("running", { disableApiTermination: true }))).toMatchObject({
      kind: "refuse",
      code: "OperationNotPermitted",
    });
    expect(decide("terminate", facts("terminated", { disableApiTermination: true })).kind).toBe("no-op");
  });

  it("a hibernated instance keeps its type and its disks", () => {
    const hibernated = facts("stopped", { hibernated: true });
    expect(decide("modifyInstanceType", hibernated)).toMatchObject({ kind: "refuse", code: "UnsupportedOperation" });
    expect(decide("attachVolume", hibernated)).toMatchObject({ kind: "refuse", code: "IncorrectInstanceState" });
    expect(decide("detachVolume", hibernated)).toMatchObject({ kind: "refuse", code: "IncorrectInstanceState" });
    expect(decide("start", hibernated).kind).toBe("proceed");
  });

  it("commands and lab checks wait for the guest agent", () => {
    const booting = facts("running", { statusChecks: { system: "ok", instance: "initializing" } });
    expect(decide("runCommand", booting)).toMatchObject({ kind: "refuse", message: expect.stringContaining("still booting") });
    const impaired = facts("running", { statusChecks: { system: "impaired", instance: "impaired" } });
    expect(decide("labCheck", impaired)).toMatchObject({ kind: "refuse", message: expect.stringContaining("does not answer") });
  });

  it("gives the console the hypervisor's reason, or 'already' for a repeat", () => {
    expect(unavailableBecause("stop", facts("stopped"))).toBe("The instance is already stopped.");
    expect(unavailableBecause("stop", facts("running"))).toBeNull();
    expect(unavailableBecause("reboot", facts("stopped"))).toBe(
      decide("reboot", facts("stopped")).kind === "refuse" ? (decide("reboot", facts("stopped")) as { message: string }).message : "",
    );
    expect(unavailableBecause("start", null)).toBe("Select an instance first.");
  });
});
