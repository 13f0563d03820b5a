import { afterEach, expect, it } from "vitest";
import type { HypervisorEvent } from "./hypervisor.ts";
import { fakeFleet, type FakeFleet } from "./testing/fakeFleet.ts";

let fleets: FakeFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.map((fleet) => fleet.close().catch(() => undefined)));
  fleets = [];
});

async function open(databaseName: string): Promise<FakeFleet> {
  const fleet = await fakeFleet({ databaseName });
  fleets.push(fleet);
  return fleet;
}

function network(fleet: FakeFleet) {
  const { hypervisor } = fleet;
  return {
    vpcs: hypervisor.describeVpcs(),
    subnets: hypervisor.describeSubnets(),
    gateways: hypervisor.describeInternetGateways(),
    tables: hypervisor.describeRouteTables(),
    groups: hypervisor.describeSecurityGroups(),
    rules: hypervisor.describeSecurityGroupRules(),
  };
}

it("keeps the network across a reload of the hypervisor, with one default VPC however many reloads", async () => {
  const name = `vpc-facade-${Math.random()}`;
  const first = await open(name);
  const { hypervisor } = first;
  const events: HypervisorEvent["type"][] = [];
  hypervisor.subscribe((event) => events.push(event.type));
  const { vpcId } = await hypervisor.createVpc({ cidrBlock: "10.0.0.0/16" });
  const { subnetId } = await hypervisor.createSubnet({ vpcId, cidrBlock: "10.0.0.0/24", availabilityZone: "us-east-1a" });
  const { internetGatewayId } = await hypervisor.createInternetGateway();
  await hypervisor.attachInternetGateway(internetGatewayId, vpcId);
  const { routeTableId } = await hypervisor.createRouteTable({ vpcId });
  await hypervisor.createRoute(routeTableId, { destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGatewayId });
  await hypervisor.associateRouteTable(routeTableId, subnetId);
  const { groupId } = await hypervisor.createSecurityGroup({ groupName: "web", description: "web servers", vpcId });
  await hypervisor.authorizeSecurityGroupIngress(groupId, {
    ipPermissions: [{ ipProtocol: "tcp", fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: "0.0.0.0/0", description: "HTTP" }] }],
  });
  expect(events.filter((type) => type === "network-changed")).toHaveLength(9);
  const before = network(first);
  await first.hypervisor.shutdownAll();

  const second = await open(name);
  expect(network(second)).toEqual(before);
  await second.hypervisor.shutdownAll();
  const third = await open(name);
  expect(third.hypervisor.describeVpcs({ filters: [{ name: "is-default", values: ["true"] }] })).toHaveLength(1);
  expect(third.hypervisor.describeVpcs()).toHaveLength(2);
});

it("answers a malformed network request with EC2's code and makes nothing", async () => {
  const fleet = await open(`vpc-facade-${Math.random()}`);
  const { hypervisor } = fleet;
  const before = network(fleet);
  await expect(hypervisor.createVpc({ cidrBlock: "10.0.0.0/8" })).rejects.toMatchObject({ code: "InvalidVpc.Range" });
  await expect(hypervisor.deleteVpc("vpc-1")).rejects.toMatchObject({ code: "InvalidVpcID.Malformed" });
  await expect(
    hypervisor.authorizeSecurityGroupIngress(before.groups[0]?.groupId ?? "", {
      ipPermissions: [{ ipProtocol: "tcp", fromPort: 80, toPort: 79, ipRanges: [{ cidrIp: "0.0.0.0/0" }] }],
    }),
  ).rejects.toMatchObject({ code: "InvalidParameterValue" });
  expect(() => hypervisor.describeSubnets({ subnetIds: ["subnet-0123456789abcdef0"] })).toThrow(
    expect.objectContaining({ code: "InvalidSubnetID.NotFound" }),
  );
  expect(network(fleet)).toEqual(before);
});
