/**
 * What the console works out from the described network, without the page: whether a subnet is
 * public (its route table sends 0.0.0.0/0 to an internet gateway), which subnet "No preference"
 * launches into, and the next launch-wizard group's name.
 */
import type { RouteTable, SecurityGroup, Subnet, Vpc } from "../hypervisor/index.ts";

/** The route table a subnet follows: the one associated with it, else its VPC's main table. */
export function routeTableOf(routeTables: readonly RouteTable[], subnet: Pick<Subnet, "subnetId" | "vpcId">): RouteTable | null {
  const own = routeTables.find((table) => table.associations.some((association) => association.subnetId === subnet.subnetId));
  if (own) return own;
  return routeTables.find((table) => table.vpcId === subnet.vpcId && table.associations.some((association) => association.main)) ?? null;
}

/** A subnet is public when its route table has an active route from 0.0.0.0/0 to an internet gateway. */
export function isPublicSubnet(routeTables: readonly RouteTable[], subnet: Pick<Subnet, "subnetId" | "vpcId">): boolean {
  const table = routeTableOf(routeTables, subnet);
  return (
    table?.routes.some(
      (route) => route.destinationCidrBlock === "0.0.0.0/0" && route.gatewayId.startsWith("igw-") && route.state === "active",
    ) ?? false
  );
}

/** The VPC the launch form starts with: the default VPC, else the first. */
export function defaultVpcOf(vpcs: readonly Vpc[]): Vpc | null {
  return vpcs.find((vpc) => vpc.isDefault) ?? vpcs[0] ?? null;
}

/** A VPC's subnets in zone order (then by CIDR), as the launch form lists them. */
export function subnetsOf(subnets: readonly Subnet[], vpcId: string): Subnet[] {
  return subnets
    .filter((subnet) => subnet.vpcId === vpcId)
    .sort(
      (a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.cidrBlock.localeCompare(b.cidrBlock, "en", { numeric: true }),
    );
}

/** "No preference": the default subnet of the first zone that has one, else the VPC's first subnet. */
export function noPreferenceSubnet(subnets: readonly Subnet[], vpcId: string): Subnet | null {
  const inVpc = subnetsOf(subnets, vpcId);
  return inVpc.find((subnet) => subnet.defaultForAz) ?? inVpc[0] ?? null;
}

/** The name the launch wizard gives a new group: launch-wizard-N, N one more than the highest in use. */
export function nextLaunchWizardName(groups: readonly Pick<SecurityGroup, "groupName">[]): string {
  const numbers = groups.map((group) => /^launch-wizard-(\d+)$/.exec(group.groupName)?.[1]).map(Number);
  const highest = Math.max(0, ...numbers.filter((n) => Number.isFinite(n)));
  return `launch-wizard-${highest + 1}`;
}

/** The description EC2's launch wizard gives its group: "launch-wizard-1 created 2026-12-01T09:30:00.000Z". */
export function launchWizardDescription(groupName: string, nowMs: number): string {
  return `${groupName} created ${new Date(nowMs).toISOString()}`;
}
