/**
 * EC2's instance lifecycle as a table: for each action and each state, whether the action
 * moves the instance, does nothing (EC2 accepts the repeat and changes nothing), or is refused
 * with IncorrectInstanceState naming the state. Pure: the hypervisor consults it before acting.
 */
import type { ErrorCode } from "../shared/errors.ts";
import type { InstanceStateName } from "./instance.ts";

export type LifecycleAction = "start" | "stop" | "hibernate" | "reboot" | "terminate" | "modifyInstanceType";

export type LifecycleDecision =
  | { readonly kind: "proceed" }
  | { readonly kind: "no-op" }
  | { readonly kind: "refuse"; readonly code: ErrorCode; readonly message: string };

type Cell = "proceed" | "no-op" | "refuse";

const TABLE: Readonly<Record<LifecycleAction, Readonly<Record<InstanceStateName, Cell>>>> = {
  start: { pending: "no-op", running: "no-op", stopping: "refuse", stopped: "proceed", "shutting-down": "refuse", terminated: "refuse" },
  stop: { pending: "refuse", running: "proceed", stopping: "no-op", stopped: "no-op", "shutting-down": "refuse", terminated: "refuse" },
  hibernate: {
    pending: "refuse",
    running: "proceed",
    stopping: "no-op",
    stopped: "no-op",
    "shutting-down": "refuse",
    terminated: "refuse",
  },
  reboot: { pending: "refuse", running: "proceed", stopping: "refuse", stopped: "refuse", "shutting-down": "refuse", terminated: "refuse" },
  terminate: {
    pending: "proceed",
    running: "proceed",
    stopping: "proceed",
    stopped: "proceed",
    "shutting-down": "no-op",
    terminated: "no-op",
  },
  modifyInstanceType: {
    pending: "refuse",
    running: "refuse",
    stopping: "refuse",
    stopped: "proceed",
    "shutting-down": "refuse",
    terminated: "refuse",
  },
};

const VERB: Readonly<Record<LifecycleAction, string>> = {
  start: "started",
  stop: "stopped",
  hibernate: "hibernated",
  reboot: "rebooted",
  terminate: "terminated",
  modifyInstanceType: "resized",
};

export function decide(action: LifecycleAction, instanceId: string, state: InstanceStateName): LifecycleDecision {
  const cell = TABLE[action][state];
  if (cell !== "refuse") return { kind: cell };
  const message =
    action === "modifyInstanceType"
      ? `The instance '${instanceId}' is ${state}; its type can be changed only while it is stopped. Stop it first.`
      : `The instance '${instanceId}' is ${state} and cannot be ${VERB[action]} in that state.`;
  return { kind: "refuse", code: "IncorrectInstanceState", message };
}

/** The states in which an action is accepted (moves or repeats harmlessly), for the UI's explanations. */
export function statesAllowing(action: LifecycleAction): InstanceStateName[] {
  return (Object.entries(TABLE[action]) as [InstanceStateName, Cell][]).filter(([, cell]) => cell !== "refuse").map(([state]) => state);
}
