import { describe, expect, it } from "vitest";
import { instanceState, NO_NETWORK, type Instance, type InstanceStateName } from "./instance.ts";
import { restoredState } from "./restoredState.ts";

function kept(state: InstanceStateName, changes: Partial<Instance> = {}): Instance {
  return {
    instanceId: "i-0123456789abcdef0",
    imageId: "ami-0123456789abcdef0",
    instanceType: "t3.micro",
    memoryMib: 128,
    state: instanceState(state),
    stateTransitionReason: "",
    stateReason: null,
    launchTime: "2026-11-23T10:00:00.000Z",
    tags: [{ key: "Name", value: "web" }],
    statusChecks: { system: "ok", instance: "ok" },
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/sda",
    disableApiTermination: false,
    instanceInitiatedShutdownBehavior: "stop",
    cpuCredits: "unlimited",
    hibernationOptions: { configured: false },
    hibernated: false,
    launchProgress: null,
    ...NO_NETWORK,
    ...changes,
  };
}

const SAVED = Date.parse("2026-11-23T12:34:56.000Z");

describe("an instance after the tab that ran it went away", () => {
  it("stays as it was when stopped, hibernated or terminated", () => {
    for (const instance of [kept("stopped"), kept("stopped", { hibernated: true }), kept("terminated")]) {
      expect(restoredState(instance, SAVED)).toEqual({ kind: "as-kept", instance });
    }
  });

  it("boots again from its volume when it was running or pending, and says why", () => {
    for (const state of ["running", "pending"] as const) {
      const restored = restoredState(kept(state), SAVED);
      expect(restored.kind).toBe("boot");
      expect(restored.instance.state).toEqual({ name: "pending", code: 0 });
      expect(restored.instance.stateReason?.code).toBe("Server.HostReload");
      expect(restored.instance.stateTransitionReason).toContain("(2026-11-23 12:34:56 GMT)");
      expect(restored.instance.statusChecks).toEqual({ system: "initializing", instance: "initializing" });
      expect(restored.instance.tags).toEqual([{ key: "Name", value: "web" }]);
    }
  });

  it("is stopped, with nothing to resume, when a stop or hibernation was under way", () => {
    const restored = restoredState(kept("stopping", { stateReason: { code: "Client.UserInitiatedHibernate", message: "" } }), SAVED);
    expect(restored.kind).toBe("as-kept");
    expect(restored.instance).toMatchObject({ state: { name: "stopped" }, hibernated: false, statusChecks: { system: "not-applicable" } });
  });

  it("finishes a termination that was under way", () => {
    const restored = restoredState(kept("shutting-down"), SAVED);
    expect(restored.kind).toBe("finish-termination");
    expect(restored.instance.state.name).toBe("terminated");
  });

  it("is lost when its root was an instance store, as on a host failure", () => {
    const restored = restoredState(kept("running", { rootDeviceType: "instance-store" }), SAVED);
    expect(restored.kind).toBe("lost");
    expect(restored.instance.state.name).toBe("terminated");
    expect(restored.instance.stateReason?.message).toMatch(/instance-store root volume was lost/);
  });
});
