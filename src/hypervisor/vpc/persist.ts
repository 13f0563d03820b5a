/**
 * The network's records as they are kept in storage and read back after a reload: a versioned
 * layout, validated before anything of it is used, so a damaged record is named and left out
 * rather than trusted.
 */
import * as v from "valibot";
import type { StoredNetworkResource } from "../../persistence/database.ts";
import { DEFAULTS_RECORD_ID, type NetworkRecord } from "./model.ts";

/** The layout this version writes. */
const NETWORK_RECORD_VERSION = 1;

const TagsSchema = v.array(v.object({ key: v.string(), value: v.string() }));
const PortSchema = v.pipe(v.number(), v.integer(), v.minValue(-1), v.maxValue(65_535));
const PeerSchema = v.union([v.object({ cidr: v.string() }), v.object({ groupId: v.string() })]);

const RecordSchema = v.variant("kind", [
  v.object({ kind: v.literal("vpc"), id: v.string(), cidrBlock: v.string(), isDefault: v.boolean(), tags: TagsSchema }),
  v.object({
    kind: v.literal("subnet"),
    id: v.string(),
    vpcId: v.string(),
    cidrBlock: v.string(),
    availabilityZone: v.string(),
    mapPublicIpOnLaunch: v.boolean(),
    defaultForAz: v.boolean(),
    tags: TagsSchema,
  }),
  v.object({ kind: v.literal("igw"), id: v.string(), vpcId: v.nullable(v.string()), tags: TagsSchema }),
  v.object({
    kind: v.literal("rtb"),
    id: v.string(),
    vpcId: v.string(),
    mainAssociationId: v.nullable(v.string()),
    routes: v.array(v.object({ destinationCidrBlock: v.string(), gatewayId: v.string() })),
    associations: v.array(v.object({ associationId: v.string(), subnetId: v.string() })),
    tags: TagsSchema,
  }),
  v.object({
    kind: v.literal("sg"),
    id: v.string(),
    vpcId: v.string(),
    groupName: v.string(),
    description: v.string(),
    isDefault: v.boolean(),
    rules: v.array(
      v.object({
        ruleId: v.string(),
        isEgress: v.boolean(),
        protocol: v.picklist(["tcp", "udp", "icmp", "-1"]),
        fromPort: PortSchema,
        toPort: PortSchema,
        peer: PeerSchema,
        description: v.string(),
      }),
    ),
    tags: TagsSchema,
  }),
  v.object({
    kind: v.literal("eni"),
    id: v.string(),
    vpcId: v.string(),
    subnetId: v.string(),
    availabilityZone: v.string(),
    privateIpAddress: v.string(),
    macAddress: v.string(),
    publicIpAddress: v.nullable(v.string()),
    groupIds: v.array(v.string()),
    description: v.string(),
    instanceId: v.nullable(v.string()),
  }),
  v.object({ kind: v.literal("defaults"), id: v.literal(DEFAULTS_RECORD_ID), createdAt: v.string() }),
]);

/** `order`: when it was made among the others, so that describes list in the same order after a reload. */
const StoredSchema = v.intersect([
  v.object({ version: v.literal(NETWORK_RECORD_VERSION), order: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  RecordSchema,
]);

export function toStored(record: NetworkRecord, order: number): StoredNetworkResource {
  return { version: NETWORK_RECORD_VERSION, order, ...record };
}

export type NetworkReadBack =
  | { readonly ok: true; readonly record: NetworkRecord; readonly order: number }
  | { readonly ok: false; readonly id: string; readonly reason: string };

export function fromStored(stored: StoredNetworkResource): NetworkReadBack {
  const result = v.safeParse(StoredSchema, stored);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join(".") ?? "";
    return { ok: false, id: String(stored.id), reason: `its ${path || "layout"} is not as this version keeps it (${issue.message})` };
  }
  const { version: _version, order, ...record } = result.output;
  return { ok: true, record, order };
}
