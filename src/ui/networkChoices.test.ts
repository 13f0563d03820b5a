import { describe, expect, it } from "vitest";
import type { RouteTable, Subnet } from "../hypervisor/index.ts";
import {
  defaultVpcOf,
  isPublicSubnet,
  launchWizardDescription,
  nextLaunchWizardName,
  noPreferenceSubnet,
  routeTableOf,
} from "./networkChoices.ts";

function subnet(subnetId: string, more: Partial<Subnet> = {}): Subnet {
  return {
    subnetId,
    vpcId: "vpc-1",
    cidrBlock: "10.0.0.0/24",
    availabilityZone: "us-east-1a",
    availableIpAddressCount: 251,
    mapPublicIpOnLaunch: false,
    defaultForAz: false,
    state: "available",
    tags: [],
    ...more,
  };
}

function table(routeTableId: string, more: { main?: boolean; subnetIds?: string[]; igw?: "active" | "blackhole" }): RouteTable {
  return {
    routeTableId,
    vpcId: "vpc-1",
    routes: [
      { destinationCidrBlock: "10.0.0.0/16", gatewayId: "local", state: "active", origin: "CreateRouteTable" },
      ...(more.igw ? [{ destinationCidrBlock: "0.0.0.0/0", gatewayId: "igw-1", state: more.igw, origin: "CreateRoute" as const }] : []),
    ],
    associations: [
      ...(more.main
        ? [
            {
              routeTableAssociationId: `${routeTableId}-main`,
              routeTableId,
              main: true,
              associationState: { state: "associated" as const },
            },
          ]
        : []),
      ...(more.subnetIds ?? []).map((subnetId) => ({
        routeTableAssociationId: `${routeTableId}-${subnetId}`,
        routeTableId,
        main: false,
        subnetId,
        associationState: { state: "associated" as const },
      })),
    ],
    tags: [],
  };
}

describe("public and private subnets", () => {
  const main = table("rtb-main", { main: true, igw: "active" });
  const privateTable = table("rtb-private", { subnetIds: ["subnet-private"] });

  it("a subnet follows its own table, else the VPC's main table", () => {
    expect(routeTableOf([main, privateTable], subnet("subnet-private"))?.routeTableId).toBe("rtb-private");
    expect(routeTableOf([main, privateTable], subnet("subnet-other"))?.routeTableId).toBe("rtb-main");
    expect(routeTableOf([main], subnet("subnet-x", { vpcId: "vpc-2" }))).toBeNull();
  });

  it("is public when its table routes 0.0.0.0/0 to an attached internet gateway", () => {
    expect(isPublicSubnet([main, privateTable], subnet("subnet-other"))).toBe(true);
    expect(isPublicSubnet([main, privateTable], subnet("subnet-private"))).toBe(false);
    expect(isPublicSubnet([table("rtb-bh", { main: true, igw: "blackhole" })], subnet("subnet-other"))).toBe(false);
    expect(isPublicSubnet([], subnet("subnet-other"))).toBe(false);
  });
});

describe("the launch form's choices", () => {
  it("starts in the default VPC", () => {
    const vpc = (vpcId: string, isDefault: boolean) => ({
      vpcId,
      cidrBlock: "",
      state: "available" as const,
      isDefault,
      instanceTenancy: "default" as const,
      tags: [],
    });
    expect(defaultVpcOf([vpc("vpc-a", false), vpc("vpc-b", true)])?.vpcId).toBe("vpc-b");
    expect(defaultVpcOf([vpc("vpc-a", false)])?.vpcId).toBe("vpc-a");
    expect(defaultVpcOf([])).toBeNull();
  });

  it("No preference is the default subnet of the first zone, else the VPC's first subnet", () => {
    const subnets = [
      subnet("subnet-c", { availabilityZone: "us-east-1c", defaultForAz: true }),
      subnet("subnet-a", { availabilityZone: "us-east-1a", defaultForAz: true }),
      subnet("subnet-mine", { availabilityZone: "us-east-1a", cidrBlock: "10.0.9.0/24" }),
      subnet("subnet-elsewhere", { vpcId: "vpc-2", availabilityZone: "us-east-1b", cidrBlock: "10.0.10.0/24" }),
      subnet("subnet-elsewhere-2", { vpcId: "vpc-2", availabilityZone: "us-east-1b", cidrBlock: "10.0.2.0/24" }),
    ];
    expect(noPreferenceSubnet(subnets, "vpc-1")?.subnetId).toBe("subnet-a");
    expect(noPreferenceSubnet(subnets, "vpc-2")?.subnetId).toBe("subnet-elsewhere-2");
    expect(noPreferenceSubnet(subnets, "vpc-3")).toBeNull();
  });

  it("names a new group launch-wizard-N after the highest in use", () => {
    expect(nextLaunchWizardName([])).toBe("launch-wizard-1");
    expect(
      nextLaunchWizardName([
        { groupName: "default" },
        { groupName: "launch-wizard-1" },
        { groupName: "launch-wizard-7" },
        { groupName: "launch-wizard-x" },
      ]),
    ).toBe("launch-wizard-8");
  });

  it("describes the group as EC2's wizard does", () => {
    expect(launchWizardDescription("launch-wizard-2", Date.UTC(2026, 11, 1, 9, 30))).toBe(
      "launch-wizard-2 created 2026-12-01T09:30:00.000Z",
    );
  });
});
