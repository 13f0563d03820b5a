/**
 * For every action the lifecycle table rules on and every state of an instance with an instance-store root:
 * the hypervisor's answer equals what the console shows (see testing/ruleTable.ts).
 */
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import { fakeFleet, type FakeFleet } from "../testing/fakeFleet.ts";
import { ACTIONS, checkCell, clearTable, INSTANCE_STORE_STATES, expectedAnswer, knownDisagreement } from "../testing/ruleTable.ts";

let fleet: FakeFleet;
beforeAll(async () => {
  // The sampler's agent pings make "agent silent" reachable; the budgets hold every cell's instance.
  fleet = await fakeFleet({ sampleIntervalMs: 5, memoryBudgetMib: 1024 * 1024, instanceLimit: 100_000 });
});
afterEach(() => clearTable(fleet));
afterAll(() => fleet.close());

describe.each(INSTANCE_STORE_STATES.map((state) => [state.label, state] as const))("an instance-store instance %s", (_, state) => {
  for (const row of ACTIONS) {
    const disagreement = knownDisagreement(row, state);
    const name = `${row.action}: ${expectedAnswer(row, state)}`;
    if (disagreement) it.fails(`${name} (fails: ${disagreement})`, () => checkCell(fleet, row, state));
    else it(name, () => checkCell(fleet, row, state));
  }
});
