/**
 * EC2's internet gateway and route table actions as pure functions over the network's state. A
 * subnet is public when its table (or its VPC's main table) sends 0.0.0.0/0 to an internet
 * gateway attached to the VPC; detaching the gateway leaves the route as a blackhole, as on EC2.
 */
import { Ec2Error } from "../../shared/errors.ts";
import { cidrContains } from "../../net/cidr.ts";
import type { Tag } from "../instances/instance.ts";
import type { CreateRouteRequest } from "../requests/vpc.ts";
import type { ActionContext, Outcome } from "./context.ts";
import { ChangeSet, type InternetGatewayRecord, type RouteTableRecord } from "./model.ts";
import { checkedCidr } from "./vpcActions.ts";

export function createInternetGateway(context: ActionContext, tags: readonly Tag[] = []): Outcome<InternetGatewayRecord> {
  const gateway: InternetGatewayRecord = { kind: "igw", id: context.newId("igw"), vpcId: null, tags };
  return { change: new ChangeSet().put(gateway), result: gateway };
}

export function attachInternetGateway(context: ActionContext, internetGatewayId: string, vpcId: string): Outcome<void> {
  const { state } = context;
  const gateway = state.get("igw", internetGatewayId);
  state.get("vpc", vpcId);
  if (gateway.vpcId)
    throw new Ec2Error("Resource.AlreadyAssociated", `The internet gateway ${gateway.id} is already attached to ${gateway.vpcId}.`);
  const other = state.gatewayOf(vpcId);
  if (other)
    throw new Ec2Error("Resource.AlreadyAssociated", `The VPC ${vpcId} already has the internet gateway ${other.id}: a VPC has one.`);
  return { change: new ChangeSet().put({ ...gateway, vpcId }), result: undefined };
}

export function detachInternetGateway(context: ActionContext, internetGatewayId: string, vpcId: string): Outcome<void> {
  const { state } = context;
  const gateway = state.get("igw", internetGatewayId);
  state.get("vpc", vpcId);
  if (gateway.vpcId !== vpcId) throw new Ec2Error("Gateway.NotAttached", `The internet gateway ${gateway.id} is not attached to ${vpcId}.`);
  const mapped = state.all("eni").filter((eni) => eni.vpcId === vpcId && eni.publicIpAddress !== null);
  if (mapped.length > 0)
    throw new Ec2Error(
      "DependencyViolation",
      `The network ${vpcId} has public addresses mapped (${mapped.map((eni) => eni.instanceId ?? eni.id).join(", ")}): stop or terminate those instances before detaching the gateway.`,
    );
  return { change: new ChangeSet().put({ ...gateway, vpcId: null }), result: undefined };
}

export function deleteInternetGateway(context: ActionContext, internetGatewayId: string): Outcome<void> {
  const gateway = context.state.get("igw", internetGatewayId);
  if (gateway.vpcId)
    throw new Ec2Error(
      "DependencyViolation",
      `The internet gateway '${gateway.id}' has dependencies and cannot be deleted: detach it from ${gateway.vpcId} first.`,
    );
  return { change: new ChangeSet().delete(gateway.id), result: undefined };
}

export function createRouteTable(context: ActionContext, vpcId: string, tags: readonly Tag[] = []): Outcome<RouteTableRecord> {
  context.state.get("vpc", vpcId);
  const table: RouteTableRecord = {
    kind: "rtb",
    id: context.newId("rtb"),
    vpcId,
    mainAssociationId: null,
    routes: [],
    associations: [],
    tags,
  };
  return { change: new ChangeSet().put(table), result: table };
}

export function deleteRouteTable(context: ActionContext, routeTableId: string): Outcome<void> {
  const table = context.state.get("rtb", routeTableId);
  const reason =
    table.mainAssociationId !== null
      ? "it is its VPC's main route table"
      : table.associations.length > 0
        ? `subnets are associated with it (${table.associations.map((association) => association.subnetId).join(", ")}); disassociate them first`
        : null;
  if (reason) throw new Ec2Error("DependencyViolation", `The routeTable '${table.id}' has dependencies and cannot be deleted: ${reason}.`);
  return { change: new ChangeSet().delete(table.id), result: undefined };
}

/** Adds a route to an internet gateway attached to the table's VPC. */
export function createRoute(context: ActionContext, routeTableId: string, request: CreateRouteRequest): Outcome<void> {
  const { state } = context;
  const table = state.get("rtb", routeTableId);
  const gateway = state.get("igw", request.gatewayId);
  if (gateway.vpcId !== table.vpcId)
    throw new Ec2Error(
      "InvalidParameterValue",
      `The route table ${table.id} and the internet gateway ${gateway.id} belong to different networks: attach the gateway to ${table.vpcId} first.`,
    );
  const vpc = state.get("vpc", table.vpcId);
  if (cidrContains(checkedCidr(vpc.cidrBlock), checkedCidr(request.destinationCidrBlock)))
    throw new Ec2Error(
      "InvalidParameterValue",
      `The destination ${request.destinationCidrBlock} is inside the VPC's block ${vpc.cidrBlock}, which the local route carries.`,
    );
  if (table.routes.some((route) => route.destinationCidrBlock === request.destinationCidrBlock))
    throw new Ec2Error(
      "RouteAlreadyExists",
      `The route identified by ${request.destinationCidrBlock} already exists in ${table.id}: delete it first to change its target.`,
    );
  const routes = [...table.routes, { destinationCidrBlock: request.destinationCidrBlock, gatewayId: gateway.id }];
  return { change: new ChangeSet().put({ ...table, routes }), result: undefined };
}

export function deleteRoute(context: ActionContext, routeTableId: string, destinationCidrBlock: string): Outcome<void> {
  const { state } = context;
  const table = state.get("rtb", routeTableId);
  if (state.find("vpc", table.vpcId)?.cidrBlock === destinationCidrBlock)
    throw new Ec2Error("InvalidParameterValue", `The local route ${destinationCidrBlock} of ${table.id} cannot be deleted.`);
  const routes = table.routes.filter((route) => route.destinationCidrBlock !== destinationCidrBlock);
  if (routes.length === table.routes.length)
    throw new Ec2Error("InvalidRoute.NotFound", `There is no route with destination ${destinationCidrBlock} in ${table.id}.`);
  return { change: new ChangeSet().put({ ...table, routes }), result: undefined };
}

/** Makes a subnet follow this table instead of its VPC's main one. */
export function associateRouteTable(
  context: ActionContext,
  routeTableId: string,
  subnetId: string,
): Outcome<{ readonly associationId: string }> {
  const { state } = context;
  const table = state.get("rtb", routeTableId);
  const subnet = state.get("subnet", subnetId);
  if (subnet.vpcId !== table.vpcId)
    throw new Ec2Error(
      "InvalidParameterValue",
      `The route table ${table.id} and the subnet ${subnet.id} belong to different networks (${table.vpcId}, ${subnet.vpcId}).`,
    );
  const current = state.tablesOf(table.vpcId).find((other) => other.associations.some((association) => association.subnetId === subnetId));
  if (current)
    throw new Ec2Error(
      "Resource.AlreadyAssociated",
      `The subnet ${subnetId} is already associated with ${current.id}: disassociate it first.`,
    );
  const associationId = context.newId("rtbassoc");
  const associations = [...table.associations, { associationId, subnetId }];
  return { change: new ChangeSet().put({ ...table, associations }), result: { associationId } };
}

/** The subnet goes back to its VPC's main table. */
export function disassociateRouteTable(context: ActionContext, associationId: string): Outcome<void> {
  for (const table of context.state.all("rtb")) {
    if (table.mainAssociationId === associationId)
      throw new Ec2Error("InvalidParameterValue", `${associationId} is the main route table's association; it cannot be disassociated.`);
    const associations = table.associations.filter((association) => association.associationId !== associationId);
    if (associations.length !== table.associations.length)
      return { change: new ChangeSet().put({ ...table, associations }), result: undefined };
  }
  throw new Ec2Error("InvalidAssociationID.NotFound", `The association ID '${associationId}' does not exist.`);
}
