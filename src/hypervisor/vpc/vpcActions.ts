/**
 * EC2's VPC and subnet actions as pure functions over the network's state: each returns what it
 * changes and its answer, or throws EC2's error. Requests arrive validated (requests/vpc.ts):
 * CIDR blocks well-formed and of an allowed size, zones known.
 */
import { Ec2Error } from "../../shared/errors.ts";
import { cidrContains, cidrsOverlap, parseCidr, type Cidr } from "../../net/cidr.ts";
import type { CreateSubnetRequest, CreateVpcRequest, ModifySubnetAttributeRequest } from "../requests/vpc.ts";
import type { ActionContext, Outcome } from "./context.ts";
import { ChangeSet, type RouteTableRecord, type SecurityGroupRecord, type SubnetRecord, type VpcRecord } from "./model.ts";
import { AVAILABILITY_ZONES } from "./zones.ts";

/** A CIDR the request schema already checked. */
export function checkedCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr)
    throw new Ec2Error("InvalidParameterValue", `Value (${text}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
  return cidr;
}

/** The default security group EC2 gives every VPC: all traffic out, and in from its own members. */
export function defaultGroup(context: ActionContext, vpcId: string): SecurityGroupRecord {
  const id = context.newId("sg");
  return {
    kind: "sg",
    id,
    vpcId,
    groupName: "default",
    description: "default VPC security group",
    isDefault: true,
    rules: [
      { ruleId: context.newId("sgr"), isEgress: false, protocol: "-1", fromPort: -1, toPort: -1, peer: { groupId: id }, description: "" },
      allEgress(context),
    ],
    tags: [],
  };
}

/** A new group's one rule, as on EC2: every protocol to anywhere. */
export function allEgress(context: ActionContext): SecurityGroupRecord["rules"][number] {
  return {
    ruleId: context.newId("sgr"),
    isEgress: true,
    protocol: "-1",
    fromPort: -1,
    toPort: -1,
    peer: { cidr: "0.0.0.0/0" },
    description: "",
  };
}

export function mainRouteTable(context: ActionContext, vpcId: string, routes: RouteTableRecord["routes"] = []): RouteTableRecord {
  return { kind: "rtb", id: context.newId("rtb"), vpcId, mainAssociationId: context.newId("rtbassoc"), routes, associations: [], tags: [] };
}

/** A VPC with its main route table and default security group, as CreateVpc makes it. */
export function createVpc(context: ActionContext, request: CreateVpcRequest, isDefault = false): Outcome<VpcRecord> {
  checkedCidr(request.cidrBlock);
  const vpc: VpcRecord = { kind: "vpc", id: context.newId("vpc"), cidrBlock: request.cidrBlock, isDefault, tags: request.tags ?? [] };
  const change = new ChangeSet().put(vpc).put(mainRouteTable(context, vpc.id)).put(defaultGroup(context, vpc.id));
  return { change, result: vpc };
}

function dependency(what: string, id: string, reason: string): Ec2Error {
  return new Ec2Error("DependencyViolation", `The ${what} '${id}' has dependencies and cannot be deleted: ${reason}.`);
}

/** Deletes an empty VPC with its main route table and default group; anything else in it is a DependencyViolation. */
export function deleteVpc(context: ActionContext, vpcId: string): Outcome<void> {
  const { state } = context;
  state.get("vpc", vpcId);
  const subnets = state.subnetsOf(vpcId);
  if (subnets.length > 0) throw dependency("vpc", vpcId, `delete its subnets first (${subnets.map((subnet) => subnet.id).join(", ")})`);
  const groups = state.groupsOf(vpcId).filter((group) => !group.isDefault);
  if (groups.length > 0) throw dependency("vpc", vpcId, `delete its security groups first (${groups.map((group) => group.id).join(", ")})`);
  const gateway = state.gatewayOf(vpcId);
  if (gateway) throw dependency("vpc", vpcId, `detach the internet gateway ${gateway.id} first`);
  const tables = state.tablesOf(vpcId).filter((table) => table.mainAssociationId === null);
  if (tables.length > 0) throw dependency("vpc", vpcId, `delete its route tables first (${tables.map((table) => table.id).join(", ")})`);
  const change = new ChangeSet().delete(vpcId);
  for (const table of state.tablesOf(vpcId)) change.delete(table.id);
  for (const group of state.groupsOf(vpcId)) change.delete(group.id);
  return { change, result: undefined };
}

export function createSubnet(context: ActionContext, request: CreateSubnetRequest): Outcome<SubnetRecord> {
  const { state } = context;
  const vpc = state.get("vpc", request.vpcId);
  const cidr = checkedCidr(request.cidrBlock);
  if (!cidrContains(checkedCidr(vpc.cidrBlock), cidr))
    throw new Ec2Error(
      "InvalidSubnet.Range",
      `The CIDR '${request.cidrBlock}' is invalid: a subnet's block lies inside its VPC's, ${vpc.cidrBlock}.`,
    );
  const subnets = state.subnetsOf(vpc.id);
  const conflict = subnets.find((subnet) => cidrsOverlap(checkedCidr(subnet.cidrBlock), cidr));
  if (conflict)
    throw new Ec2Error(
      "InvalidSubnet.Conflict",
      `The CIDR '${request.cidrBlock}' conflicts with another subnet: ${conflict.id} has ${conflict.cidrBlock}.`,
    );
  const subnet: SubnetRecord = {
    kind: "subnet",
    id: context.newId("subnet"),
    vpcId: vpc.id,
    cidrBlock: request.cidrBlock,
    availabilityZone: request.availabilityZone ?? leastUsedZone(subnets),
    mapPublicIpOnLaunch: false,
    defaultForAz: false,
    tags: request.tags ?? [],
  };
  return { change: new ChangeSet().put(subnet), result: subnet };
}

function leastUsedZone(subnets: readonly SubnetRecord[]): string {
  const count = (zone: string) => subnets.filter((subnet) => subnet.availabilityZone === zone).length;
  return [...AVAILABILITY_ZONES].sort((a, b) => count(a) - count(b))[0] ?? "";
}

/** Deletes a subnet no interface is in; its route table association goes with it, as on EC2. */
export function deleteSubnet(context: ActionContext, subnetId: string): Outcome<void> {
  const { state } = context;
  const subnet = state.get("subnet", subnetId);
  const interfaces = state.interfacesIn(subnetId);
  if (interfaces.length > 0) {
    const users = interfaces.map((eni) => (eni.instanceId ? `${eni.id} of ${eni.instanceId}` : eni.id)).join(", ");
    throw dependency("subnet", subnetId, `network interfaces are in it (${users}); terminate its instances first`);
  }
  const change = new ChangeSet().delete(subnet.id);
  for (const table of state.tablesOf(subnet.vpcId)) {
    const associations = table.associations.filter((association) => association.subnetId !== subnetId);
    if (associations.length !== table.associations.length) change.put({ ...table, associations });
  }
  return { change, result: undefined };
}

export function modifySubnetAttribute(context: ActionContext, subnetId: string, request: ModifySubnetAttributeRequest): Outcome<void> {
  const subnet = context.state.get("subnet", subnetId);
  return { change: new ChangeSet().put({ ...subnet, mapPublicIpOnLaunch: request.mapPublicIpOnLaunch }), result: undefined };
}
