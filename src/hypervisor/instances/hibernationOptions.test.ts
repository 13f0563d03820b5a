/**
 * EC2's HibernationOptions: hibernation is enabled at launch or not at all, shown by
 * describeInstances and answered by the lifecycle table, through a real hypervisor over fake workers.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  describeOne,
  EBS_IMAGE_ID,
  fakeFleet,
  INSTANCE_STORE_IMAGE_ID,
  launchRunning,
  stopped,
  type FakeFleet,
} from "../testing/fakeFleet.ts";
import { unavailableBecause } from "./lifecycle.ts";

let fleet: FakeFleet;
beforeEach(async () => {
  fleet = await fakeFleet();
});
afterEach(() => fleet.close());

describe("hibernation options", () => {
  it("are off by default: hibernating is refused, saying it must be enabled at launch, and nothing changes", async () => {
    const launched = await launchRunning(fleet, { imageId: EBS_IMAGE_ID });
    expect(launched.hibernationOptions).toEqual({ configured: false });
    const refusal = fleet.hypervisor.stopInstances([launched.instanceId], { hibernate: true });
    await expect(refusal).rejects.toMatchObject({
      code: "UnsupportedHibernationConfiguration",
      message: expect.stringContaining("hibernation must be enabled at launch"),
    });
    expect(describeOne(fleet.hypervisor, launched.instanceId).state.name).toBe("running");
    expect(fleet.host.workerOf(launched.instanceId).callsOf("hibernate")).toHaveLength(0);
    expect(unavailableBecause("hibernate", describeOne(fleet.hypervisor, launched.instanceId))).toContain(
      "hibernation must be enabled at launch",
    );
  });

  it("enabled at launch are shown by describeInstances and let the instance hibernate", async () => {
    const { instanceId } = await launchRunning(fleet, { imageId: EBS_IMAGE_ID, hibernationOptions: { configured: true } });
    expect(describeOne(fleet.hypervisor, instanceId).hibernationOptions).toEqual({ configured: true });
    const after = await stopped(fleet, instanceId, { hibernate: true });
    expect(after).toMatchObject({ hibernated: true, hibernationOptions: { configured: true } });
  });

  it("cannot be enabled for an instance-store root, which has no volume to keep", async () => {
    await expect(
      fleet.hypervisor.runInstances({ imageId: INSTANCE_STORE_IMAGE_ID, hibernationOptions: { configured: true } }),
    ).rejects.toMatchObject({ code: "UnsupportedHibernationConfiguration" });
    expect(fleet.hypervisor.describeInstances()).toEqual([]);
  });

  it.each([
    [{ hibernationOptions: true }, "InvalidParameterType"],
    [{ hibernationOptions: { configured: "yes" } }, "InvalidParameterType"],
    [{ hibernationOptions: { enabled: true } }, "MissingParameter"],
  ])("in a malformed launch request %j are refused with %s", async (request, code) => {
    await expect(fleet.hypervisor.runInstances(request as never)).rejects.toMatchObject({ code });
  });
});
