/**
 * What each state of an instance allows, as one table: for every action on an instance and every
 * state, whether the action moves the instance, does nothing (EC2 accepts the repeat and changes
 * nothing), or is refused; then the few rules beyond the state (an instance-store root cannot be
 * stopped, a protected instance cannot be terminated, a hibernated one keeps its type and disks).
 * Pure: the hypervisor decides with it before acting, and the console asks it whether to offer
 * a button, so both give the same answer and the same reason.
 */
import { Ec2Error, type ErrorCode } from "../../shared/errors.ts";
import type { Instance, InstanceStateName } from "./instance.ts";

export type LifecycleAction =
  | "start"
  | "stop"
  | "forceStop"
  | "hibernate"
  | "reboot"
  | "terminate"
  | "modifyInstanceType"
  | "modifyInstanceAttribute"
  | "attachVolume"
  | "detachVolume"
  | "createImage"
  | "createSnapshot"
  | "runCommand"
  | "labCheck"
  | "sendConsoleInput";

/** What a decision needs to know of an instance: describeInstances' fields. */
export type InstanceFacts = Pick<
  Instance,
  "instanceId" | "state" | "hibernated" | "hibernationOptions" | "rootDeviceType" | "disableApiTermination" | "statusChecks"
>;

export type LifecycleDecision =
  | { readonly kind: "proceed" }
  | { readonly kind: "no-op" }
  | { readonly kind: "refuse"; readonly code: ErrorCode; readonly message: string };

type Cell = "proceed" | "no-op" | "refuse";

interface Condition {
  /** True when the rule stops the action. */
  readonly refuses: (instance: InstanceFacts) => boolean;
  readonly code: ErrorCode;
  readonly message: (instance: InstanceFacts) => string;
}

interface Rule {
  readonly states: Readonly<Record<InstanceStateName, Cell>>;
  /** Why a state refuses the action. */
  readonly refusal: (instanceId: string, state: InstanceStateName) => string;
  /** Further rules, checked in order once the state allows the action (not for a no-op). */
  readonly conditions?: readonly Condition[];
}

const P = "proceed";
const N = "no-op";
const R = "refuse";

/** One cell per state, in the order pending, running, stopping, stopped, shutting-down, terminated. */
function row(
  pending: Cell,
  running: Cell,
  stopping: Cell,
  stopped: Cell,
  shuttingDown: Cell,
  terminated: Cell,
): Record<InstanceStateName, Cell> {
  return { pending, running, stopping, stopped, "shutting-down": shuttingDown, terminated };
}

const cannotBe = (verb: string) => (id: string, state: InstanceStateName) =>
  `The instance '${id}' is ${state} and cannot be ${verb} in that state.`;

const instanceStore = (verb: string): Condition => ({
  refuses: (instance) => instance.rootDeviceType === "instance-store",
  code: "UnsupportedOperation",
  message: (instance) =>
    `The instance '${instance.instanceId}' has an instance-store root volume: it can be rebooted or terminated, not ${verb}.`,
});

const notHibernated = (action: string): Condition => ({
  refuses: (instance) => instance.hibernated,
  code: "IncorrectInstanceState",
  message: (instance) =>
    `Cannot ${action} the instance ${instance.instanceId}: it is hibernated, with its disks in its saved memory. Start it and stop it without hibernating first.`,
});

const agentAnswers = (what: string): Condition => ({
  refuses: (instance) => instance.statusChecks.instance !== "ok",
  code: "IncorrectInstanceState",
  message: (instance) =>
    instance.statusChecks.instance === "impaired"
      ? `Cannot ${what} the instance ${instance.instanceId}: its guest agent does not answer (see its status checks). Reboot or stop it.`
      : `The instance ${instance.instanceId} is still booting: its guest agent has not answered yet.`,
});

const RULES: Readonly<Record<LifecycleAction, Rule>> = {
  start: { states: row(N, N, R, P, R, R), refusal: cannotBe("started") },
  stop: { states: row(R, P, N, N, R, R), refusal: cannotBe("stopped"), conditions: [instanceStore("stopped")] },
  // EC2's Force: the way out of a stop or hibernation the guest does not finish.
  forceStop: { states: row(R, P, P, N, R, R), refusal: cannotBe("stopped"), conditions: [instanceStore("stopped")] },
  hibernate: {
    states: row(R, P, N, N, R, R),
    refusal: cannotBe("hibernated"),
    conditions: [
      instanceStore("hibernated"),
      {
        refuses: (instance) => !instance.hibernationOptions.configured,
        code: "UnsupportedHibernationConfiguration",
        message: (instance) =>
          `The instance '${instance.instanceId}' was launched without hibernation: hibernation must be enabled at launch (hibernationOptions: { configured: true }). Stop it instead.`,
      },
    ],
  },
  // EC2 accepts a reboot of a terminated instance and does nothing.
  reboot: { states: row(R, P, R, R, R, N), refusal: cannotBe("rebooted") },
  terminate: {
    states: row(P, P, P, P, N, N),
    refusal: cannotBe("terminated"),
    conditions: [
      {
        refuses: (instance) => instance.disableApiTermination,
        code: "OperationNotPermitted",
        message: (instance) =>
          `The instance '${instance.instanceId}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`,
      },
    ],
  },
  modifyInstanceType: {
    states: row(R, R, R, P, R, R),
    refusal: (id, state) => `The instance '${id}' is ${state}; its type can be changed only while it is stopped. Stop it first.`,
    conditions: [
      {
        refuses: (instance) => instance.hibernated,
        code: "UnsupportedOperation",
        message: (instance) =>
          `The instance '${instance.instanceId}' is hibernated: its saved memory fits only its current type. Start it and stop it (without hibernating) to change its type.`,
      },
    ],
  },
  modifyInstanceAttribute: {
    states: row(P, P, P, P, P, R),
    refusal: (id, state) => `The instance '${id}' is ${state}; its attributes can no longer change.`,
  },
  attachVolume: {
    states: row(R, R, R, P, R, R),
    refusal: (id, state) => `Cannot attach a volume to the instance ${id}: it is ${state}; stop it first.`,
    conditions: [notHibernated("attach a volume to")],
  },
  detachVolume: {
    // A terminated instance's volumes that outlive it are detached already; one still listed as attached may go.
    states: row(R, R, R, P, R, P),
    refusal: (id, state) => `Cannot detach a volume from the instance ${id}: it is ${state}; stop it first.`,
    conditions: [notHibernated("detach a volume from")],
  },
  createImage: {
    states: row(R, P, R, P, R, R),
    refusal: (id, state) => `The instance '${id}' is ${state}; an image can be made of a running or stopped instance.`,
    conditions: [
      {
        refuses: (instance) => instance.rootDeviceType === "instance-store",
        code: "UnsupportedOperation",
        message: (instance) => `The instance ${instance.instanceId} has an instance-store root: there is no volume to make an image of.`,
      },
    ],
  },
  // A snapshot is of a volume as stored; a running instance's latest writes are stored first.
  createSnapshot: { states: row(P, P, P, P, P, P), refusal: cannotBe("snapshotted") },
  runCommand: {
    states: row(R, P, R, R, R, R),
    refusal: (id, state) => `Cannot run a command on the instance ${id}: it is ${state}, not running.`,
    conditions: [agentAnswers("run a command on")],
  },
  labCheck: {
    states: row(R, P, R, R, R, R),
    refusal: (id, state) => `The instance ${id} is ${state}: start it to check what is inside it.`,
    conditions: [agentAnswers("check")],
  },
  sendConsoleInput: {
    states: row(R, P, R, R, R, R),
    refusal: (id, state) => `Cannot type into the instance ${id}: it is ${state}, not running.`,
    conditions: [
      {
        refuses: (instance) => instance.statusChecks.system === "impaired",
        code: "IncorrectInstanceState",
        message: (instance) =>
          `Cannot type into the instance ${instance.instanceId}: its emulator is not running (see its status checks). Reboot or stop it.`,
      },
    ],
  },
};

/** The hypervisor's answer to an action on an instance as it is now. */
export function decide(action: LifecycleAction, instance: InstanceFacts): LifecycleDecision {
  const rule = RULES[action];
  const state = instance.state.name;
  const cell = rule.states[state];
  if (cell === "refuse") return { kind: "refuse", code: "IncorrectInstanceState", message: rule.refusal(instance.instanceId, state) };
  if (cell === "no-op") return { kind: "no-op" };
  const failed = rule.conditions?.find((condition) => condition.refuses(instance));
  return failed ? { kind: "refuse", code: failed.code, message: failed.message(instance) } : { kind: "proceed" };
}

/**
 * Whether the console offers the action, and why not: exactly when the hypervisor would act, with
 * its reason when it would refuse, and "already" when the call would change nothing.
 */
export function unavailableBecause(action: LifecycleAction, instance: InstanceFacts | null | undefined): string | null {
  if (!instance) return "Select an instance first.";
  const decision = decide(action, instance);
  if (decision.kind === "refuse") return decision.message;
  if (decision.kind === "no-op") return `The instance is already ${instance.state.name}.`;
  return null;
}

/** The states in which an action is accepted (moves or repeats harmlessly), for the console's explanations. */
export function statesAllowing(action: LifecycleAction): InstanceStateName[] {
  return (Object.entries(RULES[action].states) as [InstanceStateName, Cell][])
    .filter(([, cell]) => cell !== "refuse")
    .map(([state]) => state);
}

/** The decision for an action the caller is about to take: "proceed" or "no-op", or the refusal thrown as EC2's error. */
export function requireAllowed(action: LifecycleAction, instance: InstanceFacts): "proceed" | "no-op" {
  const decision = decide(action, instance);
  if (decision.kind === "refuse") throw new Ec2Error(decision.code, decision.message);
  return decision.kind;
}
