import { describe, expect, it } from "vitest";
import { decide, NO_NETWORK, type Instance, type InstanceStateName, type Volume } from "../hypervisor/index.ts";
import {
  attachTargetUnavailableBecause,
  attachUnavailableBecause,
  deleteUnavailableBecause,
  detachUnavailableBecause,
} from "./volumeRules.ts";

const CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};
const STATES = Object.keys(CODES) as InstanceStateName[];

function instance(state: InstanceStateName, more: Partial<Instance> = {}): Instance {
  return {
    instanceId: "i-0123456789abcdef0",
    imageId: "ami-0123456789abcdef0",
    instanceType: "t3.micro",
    memoryMib: 64,
    state: { name: state, code: CODES[state] },
    stateTransitionReason: "",
    stateReason: null,
    launchTime: "2026-03-01T10:00:00.000Z",
    tags: [],
    statusChecks: { system: "ok", instance: "ok" },
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/sda",
    disableApiTermination: false,
    instanceInitiatedShutdownBehavior: "stop",
    cpuCredits: null,
    hibernationOptions: { configured: false },
    hibernated: false,
    launchProgress: null,
    ...NO_NETWORK,
    ...more,
  };
}

function volume(device: string | null, instanceId = "i-0123456789abcdef0"): Volume {
  return {
    volumeId: "vol-0123456789abcdef0",
    sizeBytes: 16 * 1024 * 1024,
    volumeType: "gp3",
    state: device ? "in-use" : "available",
    createTime: "2026-03-01T10:00:00.000Z",
    snapshotId: "",
    attachments: device ? [{ instanceId, device, state: "attached", deleteOnTermination: false }] : [],
    tags: [],
    writtenBytes: 0,
  };
}

describe("attaching a volume", () => {
  it.each(STATES)("to an instance that is %s is offered exactly when the hypervisor would attach it", (state) => {
    const target = instance(state);
    const why = attachTargetUnavailableBecause(target, []);
    const decision = decide("attachVolume", target);
    expect(why === null).toBe(decision.kind === "proceed");
    if (decision.kind === "refuse") expect(why).toBe(decision.message);
  });

  it("is refused, with the hypervisor's reason, for a hibernated instance", () => {
    const target = instance("stopped", { hibernated: true });
    const decision = decide("attachVolume", target);
    expect(decision.kind).toBe("refuse");
    expect(attachTargetUnavailableBecause(target, [])).toBe(decision.kind === "refuse" ? decision.message : "");
  });

  it("is refused when the instance already has a second disk", () => {
    expect(attachTargetUnavailableBecause(instance("stopped"), [volume("/dev/sdb")])).toContain("already has a volume at /dev/sdb");
    expect(attachTargetUnavailableBecause(instance("stopped"), [volume("/dev/sda")])).toBeNull();
  });

  it("is refused for a volume attached already", () => {
    expect(attachUnavailableBecause(volume("/dev/sdb"))).toBe("It is attached to i-0123456789abcdef0: detach it first.");
    expect(attachUnavailableBecause(volume(null))).toBeNull();
  });
});

describe("detaching a volume", () => {
  it.each(STATES)("from an instance that is %s is offered exactly when the hypervisor would detach it", (state) => {
    const owner = instance(state);
    const why = detachUnavailableBecause(volume("/dev/sdb"), owner);
    const decision = decide("detachVolume", owner);
    expect(why === null).toBe(decision.kind === "proceed");
    if (decision.kind === "refuse") expect(why).toBe(decision.message);
  });

  it("is refused for a root volume or a volume attached to nothing", () => {
    expect(detachUnavailableBecause(volume("/dev/sda"), instance("stopped"))).toContain("root volume");
    expect(detachUnavailableBecause(volume(null), undefined)).toBe("The volume is not attached to anything.");
  });

  it("is offered when the instance it was attached to is no longer listed", () => {
    expect(detachUnavailableBecause(volume("/dev/sdb"), undefined)).toBeNull();
  });
});

describe("deleting a volume", () => {
  it("is offered only for an available volume", () => {
    expect(deleteUnavailableBecause(volume(null))).toBeNull();
    expect(deleteUnavailableBecause(volume("/dev/sdb"))).toBe("It is attached to i-0123456789abcdef0: detach it first.");
    expect(deleteUnavailableBecause(volume("/dev/sda"))).toContain("deleted when the instance is terminated");
  });
});
