/**
 * The default VPC every AWS account has: 172.31.0.0/16, a default /20 subnet per availability
 * zone that gives instances public addresses, an attached internet gateway, the main route table
 * sending 0.0.0.0/0 to it, and the default security group. Made once: the marker stored with it
 * says so, so deleting it is kept across reloads, as on EC2.
 */
import { defaultSubnetCidrs, formatCidr } from "../../net/cidr.ts";
import type { ActionContext, Outcome } from "./context.ts";
import { ChangeSet, DEFAULTS_RECORD_ID, type SubnetRecord, type VpcRecord } from "./model.ts";
import { checkedCidr, defaultGroup, mainRouteTable } from "./vpcActions.ts";
import { AVAILABILITY_ZONES, DEFAULT_VPC_CIDR } from "./zones.ts";

/** The default VPC's records, or nothing when they were made before. */
export function defaultVpc(context: ActionContext, now: Date): Outcome<VpcRecord | null> {
  if (context.state.defaultsCreated) return { change: new ChangeSet(), result: null };
  const vpc: VpcRecord = { kind: "vpc", id: context.newId("vpc"), cidrBlock: DEFAULT_VPC_CIDR, isDefault: true, tags: [] };
  const gatewayId = context.newId("igw");
  const change = new ChangeSet()
    .put(vpc)
    .put({ kind: "igw", id: gatewayId, vpcId: vpc.id, tags: [] })
    .put(mainRouteTable(context, vpc.id, [{ destinationCidrBlock: "0.0.0.0/0", gatewayId }]))
    .put(defaultGroup(context, vpc.id))
    .put({ kind: "defaults", id: DEFAULTS_RECORD_ID, createdAt: now.toISOString() });
  const blocks = defaultSubnetCidrs(checkedCidr(DEFAULT_VPC_CIDR), AVAILABILITY_ZONES.length) ?? [];
  blocks.forEach((block, i) => {
    const subnet: SubnetRecord = {
      kind: "subnet",
      id: context.newId("subnet"),
      vpcId: vpc.id,
      cidrBlock: formatCidr(block),
      availabilityZone: AVAILABILITY_ZONES[i] ?? "",
      mapPublicIpOnLaunch: true,
      defaultForAz: true,
      tags: [],
    };
    change.put(subnet);
  });
  return { change, result: vpc };
}
