/**
 * Network interfaces (ENIs): an instance's port on its subnet. Each has a private address of its
 * subnet that is neither reserved by AWS nor another interface's, a MAC address of its own
 * (locally administered, 02:…), its security groups (one to five, of its VPC), and when asked a
 * public address of its own from AWS-looking ranges.
 */
import { Ec2Error } from "../../shared/errors.ts";
import { addressInCidr, allocateAddress, formatIpv4, isReservedAddress, parseIpv4 } from "../../net/cidr.ts";
import type { ActionContext, Outcome } from "./context.ts";
import { ChangeSet, type NetworkInterfaceRecord, type NetworkState } from "./model.ts";
import { checkedCidr } from "./vpcActions.ts";

/** EC2's default quota of security groups per interface. */
const MAX_GROUPS_PER_INTERFACE = 5;
/** Public addresses come from these /8s, as many of EC2's do. */
const PUBLIC_FIRST_OCTETS = [3, 18, 34, 35, 44, 52, 54] as const;

export interface CreateNetworkInterfaceRequest {
  readonly subnetId: string;
  /** None: the default group of the subnet's VPC. */
  readonly groupIds: readonly string[];
  /** None: the lowest free address of the subnet. */
  readonly privateIpAddress?: string;
  readonly description: string;
  readonly instanceId: string | null;
  readonly associatePublicIpAddress: boolean;
}

export function createNetworkInterface(context: ActionContext, request: CreateNetworkInterfaceRequest): Outcome<NetworkInterfaceRecord> {
  const { state } = context;
  const subnet = state.get("subnet", request.subnetId);
  const groupIds = checkedGroups(state, subnet.vpcId, request.groupIds);
  const privateIpAddress = privateAddress(state, subnet.id, request.privateIpAddress);
  const eni: NetworkInterfaceRecord = {
    kind: "eni",
    id: context.newId("eni"),
    vpcId: subnet.vpcId,
    subnetId: subnet.id,
    availabilityZone: subnet.availabilityZone,
    privateIpAddress,
    macAddress: newMac(context),
    publicIpAddress: request.associatePublicIpAddress ? newPublicAddress(context) : null,
    groupIds,
    description: request.description,
    instanceId: request.instanceId,
  };
  return { change: new ChangeSet().put(eni), result: eni };
}

export function deleteNetworkInterface(context: ActionContext, networkInterfaceId: string): Outcome<void> {
  const eni = context.state.get("eni", networkInterfaceId);
  return { change: new ChangeSet().delete(eni.id), result: undefined };
}

/** EC2's ModifyInstanceAttribute Groups: replaces the interface's groups, which must be of its VPC. */
export function setInterfaceGroups(context: ActionContext, networkInterfaceId: string, groupIds: readonly string[]): Outcome<void> {
  const eni = context.state.get("eni", networkInterfaceId);
  if (groupIds.length === 0) throw new Ec2Error("MissingParameter", "An interface has at least one security group.");
  const checked = checkedGroups(context.state, eni.vpcId, groupIds);
  return { change: new ChangeSet().put({ ...eni, groupIds: checked }), result: undefined };
}

/** Gives the interface a new public address, or takes it away (EC2 releases it at a stop and gives another at the start). */
export function setPublicAddress(context: ActionContext, networkInterfaceId: string, wanted: boolean): Outcome<void> {
  const eni = context.state.get("eni", networkInterfaceId);
  const publicIpAddress = wanted ? (eni.publicIpAddress ?? newPublicAddress(context)) : null;
  return { change: new ChangeSet().put({ ...eni, publicIpAddress }), result: undefined };
}

function checkedGroups(state: NetworkState, vpcId: string, groupIds: readonly string[]): string[] {
  const unique = [...new Set(groupIds)];
  if (unique.length > MAX_GROUPS_PER_INTERFACE)
    throw new Ec2Error(
      "InvalidParameterValue",
      `An interface has at most ${MAX_GROUPS_PER_INTERFACE} security groups; ${unique.length} were given.`,
    );
  if (unique.length === 0) {
    const group = state.defaultGroupOf(vpcId);
    if (!group) throw new Ec2Error("InvalidGroup.NotFound", `The VPC ${vpcId} has no default security group: name one.`);
    return [group.id];
  }
  for (const groupId of unique) {
    const group = state.get("sg", groupId);
    if (group.vpcId !== vpcId)
      throw new Ec2Error(
        "InvalidParameterValue",
        `The security group ${groupId} and the subnet belong to different networks (${group.vpcId}, ${vpcId}).`,
      );
  }
  return unique;
}

function privateAddress(state: NetworkState, subnetId: string, asked: string | undefined): string {
  const subnet = state.get("subnet", subnetId);
  const cidr = checkedCidr(subnet.cidrBlock);
  const taken = new Set(state.interfacesIn(subnetId).map((eni) => parseIpv4(eni.privateIpAddress)));
  if (asked === undefined) {
    const address = allocateAddress(cidr, taken as Set<number>);
    if (address === null)
      throw new Ec2Error(
        "InsufficientFreeAddressesInSubnet",
        `The subnet ${subnetId} (${subnet.cidrBlock}) has no free address left: use another subnet or free an address.`,
      );
    return formatIpv4(address);
  }
  const address = parseIpv4(asked);
  if (address === null) throw new Ec2Error("InvalidParameterValue", `The private address ${asked} is not an IPv4 address.`);
  if (!addressInCidr(address, cidr))
    throw new Ec2Error("InvalidParameterValue", `The address ${asked} does not fall within the subnet's range ${subnet.cidrBlock}.`);
  if (isReservedAddress(address, cidr))
    throw new Ec2Error(
      "InvalidParameterValue",
      `The address ${asked} is reserved by AWS: the first four and the last address of ${subnet.cidrBlock} are not given to instances.`,
    );
  if (taken.has(address)) throw new Ec2Error("InvalidIPAddress.InUse", `The address ${asked} is in use in ${subnetId}.`);
  return asked;
}

function newMac(context: ActionContext): string {
  const used = new Set(context.state.all("eni").map((eni) => eni.macAddress));
  for (;;) {
    const bytes = new Uint8Array(6);
    context.random(bytes);
    bytes[0] = 0x02;
    const mac = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join(":");
    if (!used.has(mac)) return mac;
  }
}

function newPublicAddress(context: ActionContext): string {
  const used = new Set(context.state.all("eni").map((eni) => eni.publicIpAddress));
  for (;;) {
    const bytes = new Uint8Array(4);
    context.random(bytes);
    const first = PUBLIC_FIRST_OCTETS[(bytes[0] ?? 0) % PUBLIC_FIRST_OCTETS.length] ?? 54;
    const last = bytes[3] ?? 0;
    // Neither a network nor a broadcast address of a /24, which would look wrong to a person.
    if (last === 0 || last === 255) continue;
    const address = `${first}.${bytes[1] ?? 0}.${bytes[2] ?? 0}.${last}`;
    if (!used.has(address)) return address;
  }
}
