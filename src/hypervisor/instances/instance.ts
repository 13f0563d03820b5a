/** An instance as describeInstances shows it: EC2's fields, plain data. */
import type { MetadataOptions } from "../../net/topology.ts";

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

interface InstanceWithoutNetwork {
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

/** A security group as an instance or interface names it. */
interface GroupIdentifier {
  readonly groupId: string;
  readonly groupName: string;
}

/** An instance's network interface, as describeInstances lists it. */
interface InstanceNetworkInterface {
  readonly networkInterfaceId: string;
  readonly macAddress: string;
  readonly privateIpAddress: string;
  readonly privateDnsName: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly groups: readonly GroupIdentifier[];
  /** Its public address while the instance runs in a public subnet with one. */
  readonly association: { readonly publicIp: string; readonly publicDnsName: string } | null;
  readonly sourceDestCheck: true;
  readonly status: "in-use";
}

/**
 * EC2's networking fields of an instance. An instance launched before instances had a network
 * has none (null addresses, no interfaces) until it is launched again.
 */
export interface InstanceNetworking {
  readonly placement: { readonly availabilityZone: string | null };
  readonly vpcId: string | null;
  readonly subnetId: string | null;
  readonly privateIpAddress: string | null;
  /** Only while running, in a public subnet, as EC2 releases an instance's public IPv4 address when it stops. */
  readonly publicIpAddress: string | null;
  /** "" when it has none, as EC2 writes it. */
  readonly privateDnsName: string;
  readonly publicDnsName: string;
  readonly securityGroups: readonly GroupIdentifier[];
  readonly networkInterfaces: readonly InstanceNetworkInterface[];
  /** How the instance metadata service answers it. */
  readonly metadataOptions: MetadataOptions;
}

export type Instance = InstanceWithoutNetwork & InstanceNetworking;

/** EC2's defaults for a new instance's metadata service: IMDSv2 optional, one hop, tags not exposed. */
export const DEFAULT_METADATA_OPTIONS: MetadataOptions = {
  httpEndpoint: "enabled",
  httpTokens: "optional",
  httpPutResponseHopLimit: 1,
  instanceMetadataTags: "disabled",
};

/** The networking fields of an instance with no network. */
export const NO_NETWORK: InstanceNetworking = {
  placement: { availabilityZone: null },
  vpcId: null,
  subnetId: null,
  privateIpAddress: null,
  publicIpAddress: null,
  privateDnsName: "",
  publicDnsName: "",
  securityGroups: [],
  networkInterfaces: [],
  metadataOptions: DEFAULT_METADATA_OPTIONS,
};

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
