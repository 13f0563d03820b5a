/** The instance quota through a real hypervisor over fake workers: its default, a raise, and a reload. */
import { afterEach, describe, expect, it } from "vitest";
import { fakeFleet, type FakeFleet } from "../testing/fakeFleet.ts";
import { instanceFootprintMib } from "./memoryBudget.ts";

let fleets: FakeFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.map((fleet) => fleet.close().catch(() => undefined)));
  fleets = [];
});

async function open(options: Parameters<typeof fakeFleet>[0] = {}): Promise<FakeFleet> {
  const fleet = await fakeFleet(options);
  fleets.push(fleet);
  return fleet;
}

describe("the instance quota", () => {
  it("defaults to what the memory budget holds of the smallest type (t3.nano), not a fixed eight", async () => {
    const { hypervisor } = await open({ memoryBudgetMib: instanceFootprintMib(64) * 20 });
    expect(hypervisor.getServiceQuota()).toMatchObject({ quotaName: "Instances", value: 20, defaultValue: 20, usage: 0 });
  });

  it("refuses a launch past it, and takes the launch once raised; a reload keeps the raise", async () => {
    const databaseName = `quota-${Math.random()}`;
    const first = await open({ instanceLimit: 2, memoryBudgetMib: 8192, databaseName });
    await first.hypervisor.runInstances({ count: 2 });
    await expect(first.hypervisor.runInstances()).rejects.toMatchObject({
      code: "InstanceLimitExceeded",
      message: expect.stringMatching(/quota is 2/),
    });
    await expect(first.hypervisor.requestServiceQuotaIncrease({ desiredValue: 3 })).resolves.toMatchObject({
      value: 3,
      defaultValue: 2,
      usage: 2,
    });
    await expect(first.hypervisor.runInstances()).resolves.toHaveLength(1);
    expect(first.hypervisor.getServiceQuota().usage).toBe(3);
    await first.close();
    fleets = [];

    const second = await open({ instanceLimit: 2, memoryBudgetMib: 8192, databaseName });
    expect(second.hypervisor.getServiceQuota()).toMatchObject({ value: 3, defaultValue: 2 });
  });

  it.each<[string, unknown]>([
    ["a value that does not raise it", { desiredValue: 2 }],
    ["a fraction", { desiredValue: 2.5 }],
    ["past what a tab holds", { desiredValue: 10_000 }],
    ["a value that is not a number", { desiredValue: "many" }],
    ["no value", {}],
  ])("refuses %s and changes nothing", async (_, request) => {
    const { hypervisor } = await open({ instanceLimit: 2 });
    await expect(hypervisor.requestServiceQuotaIncrease(request as { desiredValue: number })).rejects.toMatchObject({
      code: expect.stringMatching(/InvalidParameterValue|InvalidParameterType|MissingParameter/),
    });
    expect(hypervisor.getServiceQuota().value).toBe(2);
  });
});
