/**
 * The network's resources, kept: EC2's VPC, subnet, gateway, route table, security group and
 * network interface actions, each computed from the current state, stored, then applied, one at
 * a time (two creates of overlapping subnets cannot both pass), and announced. The facade's
 * network actions and the instances' interfaces come here; the fabric gets the topology.
 */
import { Ec2Error } from "../../shared/errors.ts";
import type { NetworkTopology } from "../../net/topology.ts";
import type { NetworkStore } from "../../persistence/networkStore.ts";
import type { Tag } from "../instances/instance.ts";
import type {
  CreateRouteRequest,
  CreateSubnetRequest,
  CreateVpcRequest,
  DescribeInternetGatewaysRequest,
  DescribeNetworkInterfacesRequest,
  DescribeRouteTablesRequest,
  DescribeSubnetsRequest,
  DescribeVpcsRequest,
  ModifySubnetAttributeRequest,
} from "../requests/vpc.ts";
import type {
  CreateSecurityGroupRequest,
  DescribeSecurityGroupRulesRequest,
  DescribeSecurityGroupsRequest,
  RevokeRequest,
} from "../requests/securityGroups.ts";
import { newResourceId, type NetworkResourcePrefix } from "../resourceIds.ts";
import type { ActionContext, Outcome } from "./context.ts";
import { defaultVpc } from "./defaults.ts";
import {
  applyFilters,
  describeInternetGateway,
  describeNetworkInterface,
  describeRouteTable,
  describeSecurityGroup,
  describeSecurityGroupRule,
  describeSubnet,
  describeVpc,
  INTERNET_GATEWAY_FILTERS,
  NETWORK_INTERFACE_FILTERS,
  ROUTE_TABLE_FILTERS,
  SECURITY_GROUP_FILTERS,
  SECURITY_GROUP_RULE_FILTERS,
  SUBNET_FILTERS,
  VPC_FILTERS,
  type InternetGateway,
  type NetworkInterface,
  type RouteTable,
  type SecurityGroup,
  type SecurityGroupRule,
  type Subnet,
  type Vpc,
} from "./describe.ts";
import * as interfaces from "./interfaces.ts";
import { ChangeSet, NetworkState, type NetworkRecord } from "./model.ts";
import { fromStored, toStored } from "./persist.ts";
import * as routes from "./routeActions.ts";
import * as groups from "./securityGroupActions.ts";
import type { RuleSpec } from "./permissions.ts";
import { buildTopology, type PortFacts } from "./topology.ts";
import * as vpcs from "./vpcActions.ts";

export interface NetworkContext {
  readonly store: NetworkStore;
  /** Something changed: resources, groups, rules, routes or interfaces (the fabric's topology may differ). */
  changed(): void;
  /** Random bytes for ids, MAC and public addresses (crypto's by default). */
  readonly random?: (bytes: Uint8Array) => void;
  readonly now?: () => Date;
}

export type CreateNetworkInterfaceRequest = interfaces.CreateNetworkInterfaceRequest;

export class NetworkResources {
  readonly #ctx: NetworkContext;
  readonly #state = new NetworkState();
  readonly #action: ActionContext;
  /** The action running now: the next one computes its change from the state this one leaves. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Each record's place in the order they were made (kept, so a reload lists them as before). */
  readonly #order = new Map<string, number>();
  #nextOrder = 0;

  constructor(context: NetworkContext) {
    this.#ctx = context;
    const random = context.random ?? ((bytes: Uint8Array) => crypto.getRandomValues(bytes));
    this.#action = {
      state: this.#state,
      newId: (prefix: NetworkResourcePrefix) => newResourceId(prefix, random),
      random,
    };
  }

  /**
   * Reads the kept resources back, then makes the default VPC if it was never made. Returns the
   * records that could not be read, with why.
   */
  async load(): Promise<{ readonly id: string; readonly reason: string }[]> {
    const unreadable: { id: string; reason: string }[] = [];
    const read: { record: NetworkRecord; order: number }[] = [];
    for (const stored of await this.#ctx.store.resources()) {
      const back = fromStored(stored);
      if (back.ok) read.push(back);
      else unreadable.push({ id: back.id, reason: back.reason });
    }
    const change = new ChangeSet();
    for (const { record, order } of read.sort((a, b) => a.order - b.order)) {
      change.put(record);
      this.#order.set(record.id, order);
      this.#nextOrder = Math.max(this.#nextOrder, order + 1);
    }
    this.#state.apply(change);
    await this.ensureDefaults();
    return unreadable;
  }

  /** The default VPC, its subnets, gateway, route table and group: made the first time, never again. */
  async ensureDefaults(): Promise<void> {
    await this.#run((context) => defaultVpc(context, this.#ctx.now?.() ?? new Date()));
  }

  /** Resolves when the actions asked so far are stored. */
  async idle(): Promise<void> {
    await this.#queue;
  }

  // VPCs and subnets.
  describeVpcs(request: DescribeVpcsRequest = {}): Vpc[] {
    const found = this.#state.getAll("vpc", request.vpcIds).map(describeVpc);
    return applyFilters(found, request.filters ?? [], VPC_FILTERS);
  }
  async createVpc(request: CreateVpcRequest): Promise<Vpc> {
    return describeVpc(await this.#run((context) => vpcs.createVpc(context, request)));
  }
  async deleteVpc(vpcId: string): Promise<void> {
    await this.#run((context) => vpcs.deleteVpc(context, vpcId));
  }
  describeSubnets(request: DescribeSubnetsRequest = {}): Subnet[] {
    const found = this.#state.getAll("subnet", request.subnetIds).map((subnet) => describeSubnet(this.#state, subnet));
    return applyFilters(found, request.filters ?? [], SUBNET_FILTERS);
  }
  async createSubnet(request: CreateSubnetRequest): Promise<Subnet> {
    const subnet = await this.#run((context) => vpcs.createSubnet(context, request));
    return describeSubnet(this.#state, subnet);
  }
  async deleteSubnet(subnetId: string): Promise<void> {
    await this.#run((context) => vpcs.deleteSubnet(context, subnetId));
  }
  async modifySubnetAttribute(subnetId: string, request: ModifySubnetAttributeRequest): Promise<void> {
    await this.#run((context) => vpcs.modifySubnetAttribute(context, subnetId, request));
  }

  // Internet gateways and route tables.
  describeInternetGateways(request: DescribeInternetGatewaysRequest = {}): InternetGateway[] {
    const found = this.#state.getAll("igw", request.internetGatewayIds).map(describeInternetGateway);
    return applyFilters(found, request.filters ?? [], INTERNET_GATEWAY_FILTERS);
  }
  async createInternetGateway(tags: readonly Tag[] = []): Promise<InternetGateway> {
    return describeInternetGateway(await this.#run((context) => routes.createInternetGateway(context, tags)));
  }
  async attachInternetGateway(internetGatewayId: string, vpcId: string): Promise<void> {
    await this.#run((context) => routes.attachInternetGateway(context, internetGatewayId, vpcId));
  }
  async detachInternetGateway(internetGatewayId: string, vpcId: string): Promise<void> {
    await this.#run((context) => routes.detachInternetGateway(context, internetGatewayId, vpcId));
  }
  async deleteInternetGateway(internetGatewayId: string): Promise<void> {
    await this.#run((context) => routes.deleteInternetGateway(context, internetGatewayId));
  }
  describeRouteTables(request: DescribeRouteTablesRequest = {}): RouteTable[] {
    const found = this.#state.getAll("rtb", request.routeTableIds).map((table) => describeRouteTable(this.#state, table));
    return applyFilters(found, request.filters ?? [], ROUTE_TABLE_FILTERS);
  }
  async createRouteTable(vpcId: string, tags: readonly Tag[] = []): Promise<RouteTable> {
    const table = await this.#run((context) => routes.createRouteTable(context, vpcId, tags));
    return describeRouteTable(this.#state, table);
  }
  async deleteRouteTable(routeTableId: string): Promise<void> {
    await this.#run((context) => routes.deleteRouteTable(context, routeTableId));
  }
  async createRoute(routeTableId: string, request: CreateRouteRequest): Promise<void> {
    await this.#run((context) => routes.createRoute(context, routeTableId, request));
  }
  async deleteRoute(routeTableId: string, destinationCidrBlock: string): Promise<void> {
    await this.#run((context) => routes.deleteRoute(context, routeTableId, destinationCidrBlock));
  }
  async associateRouteTable(routeTableId: string, subnetId: string): Promise<{ readonly associationId: string }> {
    return this.#run((context) => routes.associateRouteTable(context, routeTableId, subnetId));
  }
  async disassociateRouteTable(associationId: string): Promise<void> {
    await this.#run((context) => routes.disassociateRouteTable(context, associationId));
  }

  // Security groups.
  describeSecurityGroups(request: DescribeSecurityGroupsRequest = {}): SecurityGroup[] {
    const found = this.#state.getAll("sg", request.groupIds).map(describeSecurityGroup);
    return applyFilters(found, request.filters ?? [], SECURITY_GROUP_FILTERS);
  }
  async createSecurityGroup(request: CreateSecurityGroupRequest): Promise<{ readonly groupId: string }> {
    const group = await this.#run((context) => groups.createSecurityGroup(context, request));
    return { groupId: group.id };
  }
  async deleteSecurityGroup(groupId: string): Promise<void> {
    await this.#run((context) => groups.deleteSecurityGroup(context, groupId));
  }
  async authorize(groupId: string, rules: readonly RuleSpec[], isEgress: boolean): Promise<SecurityGroupRule[]> {
    const added = await this.#run((context) => groups.authorize(context, groupId, rules, isEgress));
    const group = this.#state.get("sg", groupId);
    return added.map((rule) => describeSecurityGroupRule(group, rule));
  }
  async revoke(groupId: string, request: RevokeRequest, isEgress: boolean): Promise<void> {
    await this.#run((context) => groups.revoke(context, groupId, request, isEgress));
  }
  describeSecurityGroupRules(request: DescribeSecurityGroupRulesRequest = {}): SecurityGroupRule[] {
    const all = this.#state.all("sg").flatMap((group) => group.rules.map((rule) => describeSecurityGroupRule(group, rule)));
    const found = request.securityGroupRuleIds
      ? request.securityGroupRuleIds.map((ruleId) => {
          const rule = all.find((candidate) => candidate.securityGroupRuleId === ruleId);
          if (!rule) throw new Ec2Error("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${ruleId}' does not exist.`);
          return rule;
        })
      : all;
    return applyFilters(found, request.filters ?? [], SECURITY_GROUP_RULE_FILTERS);
  }

  // Network interfaces: the instances' ports.
  describeNetworkInterfaces(request: DescribeNetworkInterfacesRequest = {}): NetworkInterface[] {
    const found = this.#state.getAll("eni", request.networkInterfaceIds).map((eni) => describeNetworkInterface(this.#state, eni));
    return applyFilters(found, request.filters ?? [], NETWORK_INTERFACE_FILTERS);
  }
  /** An instance's interface: a free (or the asked) private address of the subnet, a MAC of its own, a public address when asked. */
  async createNetworkInterface(request: CreateNetworkInterfaceRequest): Promise<NetworkInterface> {
    const eni = await this.#run((context) => interfaces.createNetworkInterface(context, request));
    return describeNetworkInterface(this.#state, eni);
  }
  async deleteNetworkInterface(networkInterfaceId: string): Promise<void> {
    await this.#run((context) => interfaces.deleteNetworkInterface(context, networkInterfaceId));
  }
  /** Replaces the interface's security groups (EC2's ModifyInstanceAttribute Groups). */
  async setInterfaceGroups(networkInterfaceId: string, groupIds: readonly string[]): Promise<void> {
    await this.#run((context) => interfaces.setInterfaceGroups(context, networkInterfaceId, groupIds));
  }
  /** Gives the interface a public address, keeping the one it has, or releases it. */
  async setPublicAddress(networkInterfaceId: string, wanted: boolean): Promise<void> {
    await this.#run((context) => interfaces.setPublicAddress(context, networkInterfaceId, wanted));
  }
  interfacesOf(instanceId: string): NetworkInterface[] {
    return this.describeNetworkInterfaces({ filters: [{ name: "attachment.instance-id", values: [instanceId] }] });
  }
  /** The default VPC's default subnet of the zone (of the first zone when none is named), if the default VPC exists. */
  defaultSubnet(availabilityZone?: string): Subnet | undefined {
    const vpc = this.#state.defaultVpc();
    const candidates = this.#state.all("subnet").filter((subnet) => subnet.vpcId === vpc?.id && subnet.defaultForAz);
    const subnet = candidates.find((candidate) => availabilityZone === undefined || candidate.availabilityZone === availabilityZone);
    return subnet && describeSubnet(this.#state, subnet);
  }
  /** Its route table sends 0.0.0.0/0 to an internet gateway attached to its VPC. */
  isPublicSubnet(subnetId: string): boolean {
    return this.#state.isPublic(this.#state.get("subnet", subnetId));
  }
  /** What the fabric needs: every VPC, subnet and group, and one port per given interface. */
  topology(ports: readonly PortFacts[]): NetworkTopology {
    return buildTopology(this.#state, ports);
  }

  async #run<T>(action: (context: ActionContext) => Outcome<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      const { change, result } = action(this.#action);
      if (change.empty) return result;
      const orders = new Map([...change.puts.keys()].map((id, i) => [id, this.#order.get(id) ?? this.#nextOrder + i]));
      await this.#ctx.store.change(
        [...change.puts.values()].map((record) => toStored(record, orders.get(record.id) ?? 0)),
        [...change.deletes],
      );
      for (const [id, order] of orders) this.#order.set(id, order);
      for (const id of change.deletes) this.#order.delete(id);
      this.#nextOrder = Math.max(this.#nextOrder, ...orders.values()) + 1;
      this.#state.apply(change);
      this.#ctx.changed();
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
