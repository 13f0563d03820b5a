/**
 * The network parameters of an instance's requests: RunInstances' SubnetId, SecurityGroupIds,
 * PrivateIpAddress, AssociatePublicIpAddress and MetadataOptions, ModifyInstanceAttribute's Groups
 * and ModifyInstanceMetadataOptions. Whether the subnet and groups exist, and fit together, is the
 * network module's question; here only their shapes.
 */
import * as v from "valibot";
import type { InboundHttpRequest } from "../../net/fabricApi.ts";
import type { MetadataOptions } from "../../net/topology.ts";
import { FlagSchema, InstanceIdSchema, optionalRequest, requestObject, wholeNumber } from "./common.ts";
import { checkWithCode, parse, type RequestSchema } from "./parse.ts";
import { GroupIdSchema } from "./securityGroups.ts";
import { SubnetIdSchema } from "./vpc.ts";

/** EC2's default quota of security groups per network interface. */
const MAX_GROUPS = 5;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const PrivateIpAddressSchema = v.pipe(
  v.string("an IPv4 address"),
  checkWithCode("InvalidParameterValue", (address: string) => IPV4.test(address), "A private IP address looks like 172.31.0.10."),
);

export const GroupIdsSchema: RequestSchema<readonly string[]> = v.pipe(
  v.array(GroupIdSchema, "a list of security group ids"),
  v.maxLength(MAX_GROUPS, `An instance has at most ${MAX_GROUPS} security groups.`),
);

export type MetadataOptionsRequest = Partial<MetadataOptions>;

const MetadataOptionsSchema = requestObject<MetadataOptionsRequest>({
  httpEndpoint: v.optional(v.picklist(["enabled", "disabled"], "'enabled' or 'disabled'")),
  httpTokens: v.optional(v.picklist(["optional", "required"], "'optional' or 'required'")),
  httpPutResponseHopLimit: v.optional(wholeNumber(1, 64, "The hop limit is a whole number from 1 to 64.")),
  instanceMetadataTags: v.optional(v.picklist(["enabled", "disabled"], "'enabled' or 'disabled'")),
});

/** The RunInstances fields of the network, spread into its schema. */
export const RUN_INSTANCES_NETWORK_FIELDS = {
  subnetId: v.optional(SubnetIdSchema),
  securityGroupIds: v.optional(GroupIdsSchema),
  privateIpAddress: v.optional(PrivateIpAddressSchema),
  associatePublicIpAddress: v.optional(FlagSchema),
  metadataOptions: v.optional(MetadataOptionsSchema),
};

export interface RunInstancesNetworkRequest {
  /** The subnet of its interface; default: the default VPC's subnet of the first zone. */
  readonly subnetId?: string;
  /** Its security groups (of the subnet's VPC); default: that VPC's default group. */
  readonly securityGroupIds?: readonly string[];
  /** Its private address in the subnet (one instance only); default: the lowest free one. */
  readonly privateIpAddress?: string;
  /** A public IPv4 address (in a public subnet); default: the subnet's MapPublicIpOnLaunch. */
  readonly associatePublicIpAddress?: boolean;
  /** How the instance metadata service answers it; default: EC2's (tokens optional, hop limit 1, tags off). */
  readonly metadataOptions?: MetadataOptionsRequest;
}

export function parseModifyInstanceMetadataOptions(
  instanceId: unknown,
  request: unknown,
): { readonly instanceId: string; readonly request: MetadataOptionsRequest } {
  const schema = v.pipe(
    MetadataOptionsSchema,
    checkWithCode(
      "MissingParameter",
      (options: MetadataOptionsRequest) => Object.values(options).some((value) => value !== undefined),
      "Say which metadata option to change: httpEndpoint, httpTokens, httpPutResponseHopLimit or instanceMetadataTags.",
    ),
  );
  return { instanceId: parse(InstanceIdSchema, instanceId, "instanceId"), request: parse(optionalRequest(schema), request, "request") };
}

const HEADER_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What a browser request to a guest may carry: the fabric's HTTP parser has the same limits. */
const MAX_HEADERS = 100;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

const InboundHttpRequestSchema = requestObject<InboundHttpRequest>({
  publicIp: PrivateIpAddressSchema,
  port: wholeNumber(1, 65_535, "A port is a whole number from 1 to 65535."),
  method: v.pipe(v.string(), v.regex(TOKEN, "An HTTP method is a token, like GET."), v.maxLength(16, "An HTTP method is short.")),
  path: v.pipe(
    v.string(),
    v.startsWith("/", "A path starts with /."),
    v.maxLength(8192, "A path is at most 8 KiB."),
    v.regex(/^[\x21-\x7e]*$/, "A path has no spaces or control characters."),
  ),
  headers: v.pipe(
    v.array(
      v.tuple([
        v.pipe(v.string(), v.regex(TOKEN, "A header name is a token."), v.maxLength(256)),
        v.pipe(v.string(), v.regex(HEADER_TEXT, "A header value has no line breaks."), v.maxLength(8192)),
      ]),
      "a list of [name, value] headers",
    ),
    v.maxLength(MAX_HEADERS, `At most ${MAX_HEADERS} headers.`),
  ),
  body: v.nullable(
    v.pipe(
      v.custom<Uint8Array>((body) => body instanceof Uint8Array, "bytes (a Uint8Array)"),
      v.check((body: Uint8Array) => body.byteLength <= MAX_BODY_BYTES, "A body is at most 16 MiB."),
    ),
  ),
});

export function parseInboundHttpRequest(request: unknown): InboundHttpRequest {
  return parse(InboundHttpRequestSchema, request, "request");
}
