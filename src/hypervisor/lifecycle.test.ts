import { describe, expect, it } from "vitest";
import type { InstanceStateName } from "./instance.ts";
import { decide, statesAllowing, type LifecycleAction } from "./lifecycle.ts";

const ID = "i-0123456789abcdef0";
const STATES: InstanceStateName[] = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"];

// EC2's documented behaviour, one row per action, states in the order above.
const EXPECTED: Record<LifecycleAction, string[]> = {
  start: ["no-op", "no-op", "refuse", "proceed", "refuse", "refuse"],
  stop: ["refuse", "proceed", "no-op", "no-op", "refuse", "refuse"],
  hibernate: ["refuse", "proceed", "no-op", "no-op", "refuse", "refuse"],
  reboot: ["refuse", "proceed", "refuse", "refuse", "refuse", "refuse"],
  terminate: ["proceed", "proceed", "proceed", "proceed", "no-op", "no-op"],
  modifyInstanceType: ["refuse", "refuse", "refuse", "proceed", "refuse", "refuse"],
};

describe("the lifecycle table", () => {
  for (const [action, row] of Object.entries(EXPECTED) as [LifecycleAction, string[]][]) {
    it.each(STATES.map((state, i) => [state, row[i]] as const))(`${action} when %s: %s`, (state, expected) => {
      const decision = decide(action, ID, state);
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
