/**
 * A caller's listener that throws is the caller's bug: the hypervisor reports it and goes on,
 * and the other listeners still hear every change and every byte.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { describeOne, fakeFleet, launchRunning, type FakeFleet } from "./testing/fakeFleet.ts";

let fleet: FakeFleet;
beforeEach(async () => {
  fleet = await fakeFleet();
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fleet.close();
});

const failing = () => {
  throw new Error("the listener's own bug");
};

it("a subscriber that throws neither fails the call that changed the fleet nor silences the other subscribers", async () => {
  const { instanceId } = await launchRunning(fleet);
  fleet.hypervisor.subscribe(failing);
  const heard: string[] = [];
  fleet.hypervisor.subscribe((event) => {
    if (event.type === "instance-changed") heard.push(event.instance.state.name);
  });

  await expect(fleet.hypervisor.stopInstances([instanceId])).resolves.toHaveLength(1);
  expect(describeOne(fleet.hypervisor, instanceId).state.name).toBe("stopped");
  expect(heard).toContain("stopped");
  await expect(fleet.hypervisor.setHostCapacity({ cpuCores: 1 })).resolves.toBeUndefined();
  expect(console.error).toHaveBeenCalledWith(expect.stringContaining("a listener failed"), expect.any(Error));
});

it("a console listener that throws does not keep the output from the other listeners or from getConsoleOutput", async () => {
  const { instanceId } = await launchRunning(fleet);
  fleet.hypervisor.onConsoleOutput(instanceId, failing);
  const heard: string[] = [];
  fleet.hypervisor.onConsoleOutput(instanceId, (data) => heard.push(new TextDecoder().decode(data)));

  fleet.host.workerOf(instanceId).consoleOutput("login: ");
  await vi.waitFor(() => expect(heard).toEqual(["login: "]));
  expect(fleet.hypervisor.getConsoleOutput(instanceId).output).toContain("login: ");
});
