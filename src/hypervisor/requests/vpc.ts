/**
 * The requests of EC2's VPC actions: VPCs, subnets, internet gateways, route tables, and
 * describing network interfaces. CIDR blocks are checked here (well-formed, the network address
 * of their prefix, /16 to /28); whether they fit the VPC and its other subnets is the action's
 * question.
 */
import * as v from "valibot";
import type { ErrorCode } from "../../shared/errors.ts";
import { BLOCK_PREFIX_MAX, BLOCK_PREFIX_MIN, isBlockPrefixAllowed, parseCidr } from "../../net/cidr.ts";
import type { Tag } from "../instances/instance.ts";
import {
  INTERNET_GATEWAY_FILTERS,
  NETWORK_INTERFACE_FILTERS,
  ROUTE_TABLE_FILTERS,
  SUBNET_FILTERS,
  VPC_FILTERS,
  type Filter,
} from "../vpc/describe.ts";
import { AVAILABILITY_ZONES } from "../vpc/zones.ts";
import { describedIds, FlagSchema, optionalRequest, requestObject, resourceId, TagsSchema, text } from "./common.ts";
import { checkWithCode, parse, type RequestSchema } from "./parse.ts";

export const VpcIdSchema = resourceId("vpc", "InvalidVpcID.Malformed", "a VPC id");
export const SubnetIdSchema = resourceId("subnet", "InvalidSubnetID.Malformed", "a subnet id");
const InternetGatewayIdSchema = resourceId("igw", "InvalidInternetGatewayID.Malformed", "an internet gateway id");
const RouteTableIdSchema = resourceId("rtb", "InvalidRouteTableID.Malformed", "a route table id");
const AssociationIdSchema = resourceId("rtbassoc", "InvalidAssociationID.Malformed", "a route table association id");
const NetworkInterfaceIdSchema = resourceId("eni", "InvalidNetworkInterfaceID.Malformed", "a network interface id");

export interface CreateVpcRequest {
  /** The VPC's IPv4 block, /16 to /28, e.g. 10.0.0.0/16. */
  readonly cidrBlock: string;
  readonly tags?: readonly Tag[];
}

export interface DescribeVpcsRequest {
  readonly vpcIds?: readonly string[];
  readonly filters?: readonly Filter[];
}

export interface CreateSubnetRequest {
  readonly vpcId: string;
  /** Inside the VPC's block, overlapping none of its other subnets, /16 to /28. */
  readonly cidrBlock: string;
  /** Left out, the zone of the VPC with the fewest subnets. */
  readonly availabilityZone?: string;
  readonly tags?: readonly Tag[];
}

export interface DescribeSubnetsRequest {
  readonly subnetIds?: readonly string[];
  readonly filters?: readonly Filter[];
}

export interface ModifySubnetAttributeRequest {
  /** Instances launched in the subnet get a public address unless told otherwise. */
  readonly mapPublicIpOnLaunch: boolean;
}

export interface CreateInternetGatewayRequest {
  readonly tags?: readonly Tag[];
}

export interface DescribeInternetGatewaysRequest {
  readonly internetGatewayIds?: readonly string[];
  readonly filters?: readonly Filter[];
}

export interface CreateRouteTableRequest {
  readonly vpcId: string;
  readonly tags?: readonly Tag[];
}

export interface DescribeRouteTablesRequest {
  readonly routeTableIds?: readonly string[];
  readonly filters?: readonly Filter[];
}

export interface CreateRouteRequest {
  /** Where the route sends to, e.g. 0.0.0.0/0 for everything outside the VPC. */
  readonly destinationCidrBlock: string;
  /** An internet gateway attached to the table's VPC. */
  readonly gatewayId: string;
}

export interface DescribeNetworkInterfacesRequest {
  readonly networkInterfaceIds?: readonly string[];
  readonly filters?: readonly Filter[];
}

/** A CIDR block: well-formed, the network address of its prefix, and when `range` is given, of a size EC2 allows. */
function cidrBlock(what: string, range?: ErrorCode): RequestSchema<string> {
  const checks = [
    v.string(`${what} (a CIDR block, such as 10.0.0.0/16)`),
    checkWithCode(
      "InvalidParameterValue",
      (block: string) => parseCidr(block) !== null,
      (issue) =>
        `'${issue.input}' is not a valid CIDR block: give the network address and a prefix, such as 10.0.0.0/16 (10.0.0.5/16 is an address, not a network).`,
    ),
  ] as const;
  if (!range) return v.pipe(...checks);
  return v.pipe(
    ...checks,
    checkWithCode(
      range,
      (block: string) => isBlockPrefixAllowed(parseCidr(block)?.prefix ?? -1),
      (issue) => `The CIDR '${issue.input}' is invalid: ${what} is /${BLOCK_PREFIX_MIN} (65,536 addresses) to /${BLOCK_PREFIX_MAX} (16).`,
    ),
  );
}

/** EC2's Filters: each a name the Describe action knows (or tag-key, tag:<key>) and the values to keep. */
export function filtersSchema(names: readonly string[]): RequestSchema<readonly Filter[]> {
  const known = [...names, "tag-key", "tag:<key>"].join(", ");
  const FilterSchema = requestObject<Filter>(
    {
      name: v.pipe(
        v.string(),
        v.check(
          (name: string) => names.includes(name) || name === "tag-key" || (name.startsWith("tag:") && name.length > 4),
          (issue) => `The filter '${String(issue.input).slice(0, 64)}' is invalid here: use ${known}.`,
        ),
      ),
      values: v.pipe(
        v.array(text(255, "A filter value is at most 255 characters."), "a list of values"),
        v.maxLength(200, "At most 200 values."),
      ),
    },
    "a filter ({ name, values })",
  );
  return v.pipe(v.array(FilterSchema, "a list of filters ({ name, values })"), v.maxLength(50, "At most 50 filters."));
}

const DescribeVpcsSchema = requestObject<DescribeVpcsRequest>({
  vpcIds: v.optional(describedIds(VpcIdSchema, "VPC id")),
  filters: v.optional(filtersSchema(Object.keys(VPC_FILTERS))),
});
const DescribeSubnetsSchema = requestObject<DescribeSubnetsRequest>({
  subnetIds: v.optional(describedIds(SubnetIdSchema, "subnet id")),
  filters: v.optional(filtersSchema(Object.keys(SUBNET_FILTERS))),
});
const DescribeInternetGatewaysSchema = requestObject<DescribeInternetGatewaysRequest>({
  internetGatewayIds: v.optional(describedIds(InternetGatewayIdSchema, "internet gateway id")),
  filters: v.optional(filtersSchema(Object.keys(INTERNET_GATEWAY_FILTERS))),
});
const DescribeRouteTablesSchema = requestObject<DescribeRouteTablesRequest>({
  routeTableIds: v.optional(describedIds(RouteTableIdSchema, "route table id")),
  filters: v.optional(filtersSchema(Object.keys(ROUTE_TABLE_FILTERS))),
});
const DescribeNetworkInterfacesSchema = requestObject<DescribeNetworkInterfacesRequest>({
  networkInterfaceIds: v.optional(describedIds(NetworkInterfaceIdSchema, "network interface id")),
  filters: v.optional(filtersSchema(Object.keys(NETWORK_INTERFACE_FILTERS))),
});

export const parseDescribeVpcs = (request: unknown): DescribeVpcsRequest => parse(optionalRequest(DescribeVpcsSchema), request, "request");
export const parseDescribeSubnets = (request: unknown): DescribeSubnetsRequest =>
  parse(optionalRequest(DescribeSubnetsSchema), request, "request");
export const parseDescribeInternetGateways = (request: unknown): DescribeInternetGatewaysRequest =>
  parse(optionalRequest(DescribeInternetGatewaysSchema), request, "request");
export const parseDescribeRouteTables = (request: unknown): DescribeRouteTablesRequest =>
  parse(optionalRequest(DescribeRouteTablesSchema), request, "request");
export const parseDescribeNetworkInterfaces = (request: unknown): DescribeNetworkInterfacesRequest =>
  parse(optionalRequest(DescribeNetworkInterfacesSchema), request, "request");

const CreateVpcSchema = requestObject<CreateVpcRequest>({
  cidrBlock: cidrBlock("a VPC's block", "InvalidVpc.Range"),
  tags: v.optional(TagsSchema),
});

export function parseCreateVpc(request: unknown): CreateVpcRequest {
  return parse(optionalRequest(CreateVpcSchema), request, "request");
}

const AvailabilityZoneSchema = v.pipe(
  v.string("an availability zone's name"),
  v.check(
    (zone: string) => AVAILABILITY_ZONES.includes(zone),
    `Subnets can be created only in the availability zones ${AVAILABILITY_ZONES.join(", ")}.`,
  ),
);

const CreateSubnetSchema = requestObject<CreateSubnetRequest>({
  vpcId: VpcIdSchema,
  cidrBlock: cidrBlock("a subnet's block", "InvalidSubnet.Range"),
  availabilityZone: v.optional(AvailabilityZoneSchema),
  tags: v.optional(TagsSchema),
});

export function parseCreateSubnet(request: unknown): CreateSubnetRequest {
  return parse(optionalRequest(CreateSubnetSchema), request, "request");
}

const ModifySubnetAttributeSchema = requestObject<ModifySubnetAttributeRequest>({ mapPublicIpOnLaunch: FlagSchema });

export function parseModifySubnetAttribute(
  subnetId: unknown,
  request: unknown,
): { readonly subnetId: string; readonly request: ModifySubnetAttributeRequest } {
  return {
    subnetId: parse(SubnetIdSchema, subnetId, "subnetId"),
    request: parse(optionalRequest(ModifySubnetAttributeSchema), request, "request"),
  };
}

export const parseVpcId = (vpcId: unknown): string => parse(VpcIdSchema, vpcId, "vpcId");
export const parseSubnetId = (subnetId: unknown): string => parse(SubnetIdSchema, subnetId, "subnetId");
export const parseInternetGatewayId = (internetGatewayId: unknown): string =>
  parse(InternetGatewayIdSchema, internetGatewayId, "internetGatewayId");
export const parseRouteTableId = (routeTableId: unknown): string => parse(RouteTableIdSchema, routeTableId, "routeTableId");
export const parseAssociationId = (associationId: unknown): string => parse(AssociationIdSchema, associationId, "associationId");

const CreateInternetGatewaySchema = requestObject<CreateInternetGatewayRequest>({ tags: v.optional(TagsSchema) });

export function parseCreateInternetGateway(request: unknown): CreateInternetGatewayRequest {
  return parse(optionalRequest(CreateInternetGatewaySchema), request, "request");
}

/** Attach and detach: the gateway and the VPC. */
export function parseGatewayAndVpc(
  internetGatewayId: unknown,
  vpcId: unknown,
): { readonly internetGatewayId: string; readonly vpcId: string } {
  return { internetGatewayId: parseInternetGatewayId(internetGatewayId), vpcId: parseVpcId(vpcId) };
}

const CreateRouteTableSchema = requestObject<CreateRouteTableRequest>({ vpcId: VpcIdSchema, tags: v.optional(TagsSchema) });

export function parseCreateRouteTable(request: unknown): CreateRouteTableRequest {
  return parse(optionalRequest(CreateRouteTableSchema), request, "request");
}

const CreateRouteSchema = requestObject<CreateRouteRequest>({
  destinationCidrBlock: cidrBlock("a route's destination"),
  gatewayId: InternetGatewayIdSchema,
});

export function parseCreateRoute(
  routeTableId: unknown,
  request: unknown,
): { readonly routeTableId: string; readonly request: CreateRouteRequest } {
  return { routeTableId: parseRouteTableId(routeTableId), request: parse(optionalRequest(CreateRouteSchema), request, "request") };
}

export function parseDeleteRoute(
  routeTableId: unknown,
  destinationCidrBlock: unknown,
): { readonly routeTableId: string; readonly destinationCidrBlock: string } {
  return {
    routeTableId: parseRouteTableId(routeTableId),
    destinationCidrBlock: parse(cidrBlock("a route's destination"), destinationCidrBlock, "destinationCidrBlock"),
  };
}

export function parseAssociateRouteTable(
  routeTableId: unknown,
  subnetId: unknown,
): { readonly routeTableId: string; readonly subnetId: string } {
  return { routeTableId: parseRouteTableId(routeTableId), subnetId: parseSubnetId(subnetId) };
}
