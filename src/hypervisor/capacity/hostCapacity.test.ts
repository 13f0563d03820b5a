import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Persistence } from "../../persistence/persistence.ts";
import type { InstanceStateName } from "../instances/instance.ts";
import type { InstanceRecord } from "../instances/record.ts";
import { fakeFleet } from "../testing/fakeFleet.ts";
import { inState, testPersistence } from "../testing/records.ts";
import { HostCapacityLedger } from "./hostCapacity.ts";
import { EMULATOR_OVERHEAD_MIB } from "./memoryBudget.ts";

/** t3.micro: 128 MiB of guest memory, and its emulator. */
const MICRO_FOOTPRINT_MIB = 128 + EMULATOR_OVERHEAD_MIB;

let persistence: Persistence;
let fleet: InstanceRecord[];

beforeEach(async () => {
  persistence = await testPersistence();
  fleet = [];
});
afterEach(() => persistence.close());

function ledger(memoryBudgetMib: number, cpuCores = 2): HostCapacityLedger {
  return new HostCapacityLedger(persistence.fleet, () => fleet, { memoryBudgetMib, cpuCores });
}

function micro(state: InstanceStateName): InstanceRecord {
  const record = inState(state, { instanceType: "t3.micro" });
  fleet.push(record);
  return record;
}

describe("memory in use", () => {
  it("counts every instance whose emulator is there or coming (pending, running, stopping, shutting-down)", () => {
    for (const state of ["pending", "running", "stopping", "shutting-down", "stopped", "terminated"] as const) micro(state);
    expect(ledger(4096).memoryInUseMib()).toBe(4 * MICRO_FOOTPRINT_MIB);
  });

  it("leaves out the instances it is told to (a reload booting them again)", () => {
    const booting = micro("pending");
    micro("running");
    expect(ledger(4096).memoryInUseMib([booting])).toBe(MICRO_FOOTPRINT_MIB);
  });
});

describe("admitting launches", () => {
  it("admits a launch that fits exactly", () => {
    micro("running");
    expect(() => ledger(3 * MICRO_FOOTPRINT_MIB).admitLaunch(128, 2, "t3.micro")).not.toThrow();
  });

  it("refuses one that does not with InsufficientInstanceCapacity, saying what is used and free", () => {
    micro("running");
    expect(() => ledger(3 * MICRO_FOOTPRINT_MIB - 1).admitLaunch(128, 2, "t3.micro")).toThrow(
      expect.objectContaining({
        code: "InsufficientInstanceCapacity",
        message: expect.stringMatching(
          new RegExp(
            `for 2 t3\\.micro .* ${MICRO_FOOTPRINT_MIB} of ${3 * MICRO_FOOTPRINT_MIB - 1} MiB are in use, ${2 * MICRO_FOOTPRINT_MIB - 1} MiB free`,
          ),
        ),
      }),
    );
  });
});

describe("admitting starts", () => {
  it("admits stopped instances that all fit, counting each one after the last", () => {
    const first = micro("stopped");
    const second = micro("stopped");
    expect(() => ledger(2 * MICRO_FOOTPRINT_MIB).admitStarts([first, second])).not.toThrow();
  });

  it("refuses the whole start when they do not all fit, though each alone would", () => {
    const first = micro("stopped");
    const second = micro("stopped");
    const capacity = ledger(2 * MICRO_FOOTPRINT_MIB - 1);
    expect(() => capacity.admitStarts([first])).not.toThrow();
    expect(() => capacity.admitStarts([first, second])).toThrow(expect.objectContaining({ code: "InsufficientInstanceCapacity" }));
  });

  it("does not count instances already running (a start leaves them as they are)", () => {
    const running = micro("running");
    const stopped = micro("stopped");
    expect(() => ledger(2 * MICRO_FOOTPRINT_MIB).admitStarts([running, stopped])).not.toThrow();
  });

  it("tells whether one more fits beside a given use", () => {
    const capacity = ledger(1000);
    expect(capacity.fits(1000 - MICRO_FOOTPRINT_MIB, 128)).toBe(true);
    expect(capacity.fits(1001 - MICRO_FOOTPRINT_MIB, 128)).toBe(false);
  });
});

describe("describing and setting the budgets", () => {
  it("describes what each instance holding memory has of the host", () => {
    const running = micro("running");
    running.runtime.cpuSharePct = 40;
    const stopping = micro("stopping");
    stopping.runtime.cpuSharePct = 70;
    micro("stopped");
    const described = ledger(2048, 3).describe();
    expect(described).toMatchObject({
      memoryBudgetMib: 2048,
      memoryInUseMib: 2 * MICRO_FOOTPRINT_MIB,
      cpuBudgetPct: 300,
      emulatorOverheadMib: EMULATOR_OVERHEAD_MIB,
    });
    expect(described.instances.map((instance) => [instance.instanceId, instance.footprintMib, instance.cpuSharePct])).toEqual([
      [running.instance.instanceId, MICRO_FOOTPRINT_MIB, 40],
      [stopping.instance.instanceId, MICRO_FOOTPRINT_MIB, 0],
    ]);
  });

  it("keeps the budgets a person set for the next session", async () => {
    await ledger(2048).set({ memoryBudgetMib: 1500.4, cpuCores: 3 });
    const next = ledger(2048, 1);
    await next.load();
    expect(next.memoryBudgetMib).toBe(1500);
    expect(next.cpuBudgetPct).toBe(300);
  });

  it.each([
    [{ memoryBudgetMib: 63 }, /from 64 to/],
    [{ memoryBudgetMib: Number.NaN }, /memoryBudgetMib/],
    [{ cpuCores: 0 }, /above 0/],
    [{ cpuCores: 257 }, /at most 256/],
  ])("setHostCapacity(%j) is refused with InvalidParameterValue and keeps the budgets as they were", async (budgets, message) => {
    const fleet = await fakeFleet({ memoryBudgetMib: 2048, cpuCores: 2 });
    try {
      await expect(fleet.hypervisor.setHostCapacity(budgets)).rejects.toMatchObject({
        code: "InvalidParameterValue",
        message: expect.stringMatching(message),
      });
      expect(fleet.hypervisor.describeHostCapacity()).toMatchObject({ memoryBudgetMib: 2048, cpuBudgetPct: 200 });
    } finally {
      await fleet.close();
    }
  });
});
