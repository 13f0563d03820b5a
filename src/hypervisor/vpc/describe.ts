/**
 * The network's resources as EC2's Describe actions show them, and the Filters each takes. A
 * filter keeps the items with one of its values; several filters must all hold, as on EC2.
 */
import { Ec2Error } from "../../shared/errors.ts";
import { parseCidr, usableAddressCount } from "../../net/cidr.ts";
import type { RuleProtocol } from "../../net/topology.ts";
import type { Tag } from "../instances/instance.ts";
import type {
  InternetGatewayRecord,
  NetworkInterfaceRecord,
  NetworkState,
  RouteTableRecord,
  RuleRecord,
  SecurityGroupRecord,
  SubnetRecord,
  VpcRecord,
} from "./model.ts";
import { ipPermissionsOf, type IpPermission } from "./permissions.ts";
import { privateDomainName } from "../../net/packets/dhcp.ts";
import { REGION } from "./zones.ts";

export interface Vpc {
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly state: "available";
  readonly isDefault: boolean;
  readonly instanceTenancy: "default";
  readonly tags: readonly Tag[];
}

export interface Subnet {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly availabilityZone: string;
  /** Addresses an instance could still get: the usable ones (all but AWS's five reserved) less those in use. */
  readonly availableIpAddressCount: number;
  readonly mapPublicIpOnLaunch: boolean;
  readonly defaultForAz: boolean;
  readonly state: "available";
  readonly tags: readonly Tag[];
}

export interface InternetGateway {
  readonly internetGatewayId: string;
  readonly attachments: readonly { readonly vpcId: string; readonly state: "available" }[];
  readonly tags: readonly Tag[];
}

interface Route {
  readonly destinationCidrBlock: string;
  /** "local" for the VPC's own block, else an internet gateway. */
  readonly gatewayId: string;
  /** A route to a gateway no longer attached to the VPC carries nothing. */
  readonly state: "active" | "blackhole";
  readonly origin: "CreateRouteTable" | "CreateRoute";
}

interface RouteTableAssociation {
  readonly routeTableAssociationId: string;
  readonly routeTableId: string;
  readonly main: boolean;
  readonly subnetId?: string;
  readonly associationState: { readonly state: "associated" };
}

export interface RouteTable {
  readonly routeTableId: string;
  readonly vpcId: string;
  readonly routes: readonly Route[];
  readonly associations: readonly RouteTableAssociation[];
  readonly tags: readonly Tag[];
}

export interface SecurityGroup {
  readonly groupId: string;
  readonly groupName: string;
  readonly description: string;
  readonly vpcId: string;
  readonly ipPermissions: readonly IpPermission[];
  readonly ipPermissionsEgress: readonly IpPermission[];
  readonly tags: readonly Tag[];
}

export interface SecurityGroupRule {
  readonly securityGroupRuleId: string;
  readonly groupId: string;
  readonly isEgress: boolean;
  readonly ipProtocol: RuleProtocol;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidrIpv4?: string;
  readonly referencedGroupInfo?: { readonly groupId: string };
  readonly description: string;
}

export interface NetworkInterface {
  readonly networkInterfaceId: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly description: string;
  readonly interfaceType: "interface";
  readonly macAddress: string;
  readonly privateIpAddress: string;
  readonly privateDnsName: string;
  readonly status: "in-use" | "available";
  /** EC2's source/destination check: the switch drops what the interface sends from another address. */
  readonly sourceDestCheck: true;
  readonly groups: readonly { readonly groupId: string; readonly groupName: string }[];
  readonly association?: { readonly publicIp: string };
  readonly attachment?: { readonly instanceId: string; readonly deviceIndex: 0; readonly status: "attached" };
}

/** An instance's private DNS name: "ip-172-31-0-10.ec2.internal" in us-east-1, as on AWS (the fabric's DHCP and DNS say the same). */
function privateDnsName(privateIpAddress: string): string {
  return `ip-${privateIpAddress.replaceAll(".", "-")}.${privateDomainName(REGION)}`;
}

export function describeVpc(vpc: VpcRecord): Vpc {
  return {
    vpcId: vpc.id,
    cidrBlock: vpc.cidrBlock,
    state: "available",
    isDefault: vpc.isDefault,
    instanceTenancy: "default",
    tags: vpc.tags,
  };
}

export function describeSubnet(state: NetworkState, subnet: SubnetRecord): Subnet {
  const cidr = parseCidr(subnet.cidrBlock);
  const usable = cidr ? usableAddressCount(cidr) : 0;
  return {
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    cidrBlock: subnet.cidrBlock,
    availabilityZone: subnet.availabilityZone,
    availableIpAddressCount: usable - state.interfacesIn(subnet.id).length,
    mapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
    defaultForAz: subnet.defaultForAz,
    state: "available",
    tags: subnet.tags,
  };
}

export function describeInternetGateway(gateway: InternetGatewayRecord): InternetGateway {
  return {
    internetGatewayId: gateway.id,
    attachments: gateway.vpcId ? [{ vpcId: gateway.vpcId, state: "available" }] : [],
    tags: gateway.tags,
  };
}

export function describeRouteTable(state: NetworkState, table: RouteTableRecord): RouteTable {
  const vpc = state.find("vpc", table.vpcId);
  const local: Route = { destinationCidrBlock: vpc?.cidrBlock ?? "", gatewayId: "local", state: "active", origin: "CreateRouteTable" };
  const associated = (associationId: string, subnetId?: string): RouteTableAssociation => ({
    routeTableAssociationId: associationId,
    routeTableId: table.id,
    main: subnetId === undefined,
    ...(subnetId === undefined ? {} : { subnetId }),
    associationState: { state: "associated" },
  });
  return {
    routeTableId: table.id,
    vpcId: table.vpcId,
    routes: [
      local,
      ...table.routes.map((route): Route => ({
        ...route,
        state: state.routeIsActive(table, route) ? "active" : "blackhole",
        origin: "CreateRoute",
      })),
    ],
    associations: [
      ...(table.mainAssociationId ? [associated(table.mainAssociationId)] : []),
      ...table.associations.map((association) => associated(association.associationId, association.subnetId)),
    ],
    tags: table.tags,
  };
}

export function describeSecurityGroup(group: SecurityGroupRecord): SecurityGroup {
  return {
    groupId: group.id,
    groupName: group.groupName,
    description: group.description,
    vpcId: group.vpcId,
    ipPermissions: ipPermissionsOf(group.rules.filter((rule) => !rule.isEgress)),
    ipPermissionsEgress: ipPermissionsOf(group.rules.filter((rule) => rule.isEgress)),
    tags: group.tags,
  };
}

export function describeSecurityGroupRule(group: SecurityGroupRecord, rule: RuleRecord): SecurityGroupRule {
  return {
    securityGroupRuleId: rule.ruleId,
    groupId: group.id,
    isEgress: rule.isEgress,
    ipProtocol: rule.protocol,
    fromPort: rule.fromPort,
    toPort: rule.toPort,
    ...("cidr" in rule.peer ? { cidrIpv4: rule.peer.cidr } : { referencedGroupInfo: { groupId: rule.peer.groupId } }),
    description: rule.description,
  };
}

export function describeNetworkInterface(state: NetworkState, eni: NetworkInterfaceRecord): NetworkInterface {
  return {
    networkInterfaceId: eni.id,
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    availabilityZone: eni.availabilityZone,
    description: eni.description,
    interfaceType: "interface",
    macAddress: eni.macAddress,
    privateIpAddress: eni.privateIpAddress,
    privateDnsName: privateDnsName(eni.privateIpAddress),
    status: eni.instanceId ? "in-use" : "available",
    sourceDestCheck: true,
    groups: eni.groupIds.map((groupId) => ({ groupId, groupName: state.find("sg", groupId)?.groupName ?? "" })),
    ...(eni.publicIpAddress ? { association: { publicIp: eni.publicIpAddress } } : {}),
    ...(eni.instanceId ? { attachment: { instanceId: eni.instanceId, deviceIndex: 0, status: "attached" } } : {}),
  };
}

// Filters.

export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

/** A filter's values of one item: the item passes when one of them is among the filter's. */
type FilterTable<T> = Readonly<Record<string, (item: T) => readonly string[]>>;

const one = (value: string | boolean | number | null | undefined): readonly string[] => (value == null ? [] : [String(value)]);

export const VPC_FILTERS: FilterTable<Vpc> = {
  "vpc-id": (vpc) => one(vpc.vpcId),
  "cidr-block": (vpc) => one(vpc.cidrBlock),
  "is-default": (vpc) => one(vpc.isDefault),
  state: (vpc) => one(vpc.state),
};

export const SUBNET_FILTERS: FilterTable<Subnet> = {
  "subnet-id": (subnet) => one(subnet.subnetId),
  "vpc-id": (subnet) => one(subnet.vpcId),
  "cidr-block": (subnet) => one(subnet.cidrBlock),
  "availability-zone": (subnet) => one(subnet.availabilityZone),
  "default-for-az": (subnet) => one(subnet.defaultForAz),
  "map-public-ip-on-launch": (subnet) => one(subnet.mapPublicIpOnLaunch),
  state: (subnet) => one(subnet.state),
};

export const INTERNET_GATEWAY_FILTERS: FilterTable<InternetGateway> = {
  "internet-gateway-id": (gateway) => one(gateway.internetGatewayId),
  "attachment.vpc-id": (gateway) => gateway.attachments.map((attachment) => attachment.vpcId),
};

export const ROUTE_TABLE_FILTERS: FilterTable<RouteTable> = {
  "route-table-id": (table) => one(table.routeTableId),
  "vpc-id": (table) => one(table.vpcId),
  "association.subnet-id": (table) => table.associations.flatMap((association) => one(association.subnetId)),
  "association.main": (table) => one(table.associations.some((association) => association.main)),
};

export const SECURITY_GROUP_FILTERS: FilterTable<SecurityGroup> = {
  "group-id": (group) => one(group.groupId),
  "group-name": (group) => one(group.groupName),
  "vpc-id": (group) => one(group.vpcId),
  description: (group) => one(group.description),
};

export const SECURITY_GROUP_RULE_FILTERS: FilterTable<SecurityGroupRule> = {
  "security-group-rule-id": (rule) => one(rule.securityGroupRuleId),
  "group-id": (rule) => one(rule.groupId),
};

export const NETWORK_INTERFACE_FILTERS: FilterTable<NetworkInterface> = {
  "network-interface-id": (eni) => one(eni.networkInterfaceId),
  "subnet-id": (eni) => one(eni.subnetId),
  "vpc-id": (eni) => one(eni.vpcId),
  "availability-zone": (eni) => one(eni.availabilityZone),
  "private-ip-address": (eni) => one(eni.privateIpAddress),
  "mac-address": (eni) => one(eni.macAddress),
  "group-id": (eni) => eni.groups.map((group) => group.groupId),
  "attachment.instance-id": (eni) => one(eni.attachment?.instanceId),
  status: (eni) => one(eni.status),
};

/** The items every filter keeps; a filter name the table does not know is EC2's InvalidParameterValue. */
export function applyFilters<T extends object>(items: readonly T[], filters: readonly Filter[], table: FilterTable<T>): T[] {
  const tests = filters.map((filter) => {
    const valuesOf = filterValues(filter.name, table);
    return (item: T) => valuesOf(item).some((value) => filter.values.includes(value));
  });
  return items.filter((item) => tests.every((test) => test(item)));
}

function filterValues<T extends object>(name: string, table: FilterTable<T>): (item: T) => readonly string[] {
  const known = Object.hasOwn(table, name) ? table[name] : undefined;
  if (known) return known;
  if (name === "tag-key") return (item) => tagsOf(item).map((tag) => tag.key);
  if (name.startsWith("tag:")) {
    const key = name.slice(4);
    return (item) =>
      tagsOf(item)
        .filter((tag) => tag.key === key)
        .map((tag) => tag.value);
  }
  throw new Ec2Error(
    "InvalidParameterValue",
    `The filter '${name}' is invalid here: use ${[...Object.keys(table), "tag-key", "tag:<key>"].join(", ")}.`,
  );
}

function tagsOf(item: object): readonly Tag[] {
  return "tags" in item && Array.isArray(item.tags) ? (item.tags as readonly Tag[]) : [];
}
