/** An instance as describeInstances shows it: EC2's fields, plain data. */
export type InstanceStateName = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";

/** EC2's numeric state codes. */
export const INSTANCE_STATE_CODES: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

type StatusCheck = "initializing" | "ok" | "impaired" | "not-applicable";

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface StateReason {
  /** EC2's reason codes: Client.UserInitiatedShutdown, Client.InstanceInitiatedShutdown, Server.InternalError, ... */
  readonly code: string;
  readonly message: string;
}

export interface Instance {
  readonly instanceId: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly memoryMib: number;
  readonly state: { readonly name: InstanceStateName; readonly code: number };
  /** EC2's free-text transition reason, e.g. "User initiated (2026-11-23 16:00:00 GMT)". */
  readonly stateTransitionReason: string;
  readonly stateReason: StateReason | null;
  readonly launchTime: string;
  readonly tags: readonly Tag[];
  readonly statusChecks: { readonly system: StatusCheck; readonly instance: StatusCheck };
  readonly rootDeviceType: "ebs" | "instance-store";
  readonly rootDeviceName: string;
  /** EC2's DisableApiTermination: while true, terminateInstances refuses. */
  readonly disableApiTermination: boolean;
  /** What poweroff inside the guest does: EC2's InstanceInitiatedShutdownBehavior. */
  readonly instanceInitiatedShutdownBehavior: "stop" | "terminate";
  /** EC2's CreditSpecification for burstable types; null for the others. */
  readonly cpuCredits: "standard" | "unlimited" | null;
  /** EC2's HibernationOptions: hibernation is possible only when enabled at launch. */
  readonly hibernationOptions: { readonly configured: boolean };
  /** Stopped with its memory saved (EC2's hibernation): the next start resumes it. */
  readonly hibernated: boolean;
  /** Image download progress while pending; null once the image is loaded. */
  readonly launchProgress: { readonly loadedBytes: number; readonly totalBytes: number } | null;
}

export interface InstanceStateChange {
  readonly instanceId: string;
  readonly previousState: Instance["state"];
  readonly currentState: Instance["state"];
}

export function instanceState(name: InstanceStateName): Instance["state"] {
  return { name, code: INSTANCE_STATE_CODES[name] };
}

export function nameTag(instance: Pick<Instance, "tags">): string {
  return instance.tags.find((tag) => tag.key === "Name")?.value ?? "";
}

/** "User initiated (2026-11-23 16:00:00 GMT)", as EC2 writes it. */
export function userInitiated(at: Date): string {
  return `User initiated (${at.toISOString().slice(0, 19).replace("T", " ")} GMT)`;
}
