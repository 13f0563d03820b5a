import { afterEach, describe, expect, it } from "vitest";
import { openPersistence } from "../../persistence/persistence.ts";
import { openNetwork, type NetworkUnderTest } from "../testing/network.ts";
import { AVAILABILITY_ZONES, DEFAULT_VPC_CIDR } from "./zones.ts";

let opened: NetworkUnderTest[] = [];
async function open(): Promise<NetworkUnderTest> {
  const under = await openNetwork();
  opened.push(under);
  return under;
}
async function reload(under: NetworkUnderTest): Promise<NetworkUnderTest> {
  const again = await under.reload();
  opened.push(again);
  return again;
}
afterEach(async () => {
  await Promise.all(opened.map((under) => under.close().catch(() => undefined)));
  opened = [];
});

describe("the default VPC", () => {
  it("has a default /20 subnet per zone giving public addresses, a gateway, a public main route table and a default group", async () => {
    const { network } = await open();
    const [vpc, ...others] = network.describeVpcs();
    expect(others).toEqual([]);
    expect(vpc).toMatchObject({ cidrBlock: DEFAULT_VPC_CIDR, isDefault: true, state: "available" });
    const subnets = network.describeSubnets();
    expect(subnets.map((subnet) => [subnet.availabilityZone, subnet.cidrBlock])).toEqual([
      [AVAILABILITY_ZONES[0], "172.31.0.0/20"],
      [AVAILABILITY_ZONES[1], "172.31.16.0/20"],
      [AVAILABILITY_ZONES[2], "172.31.32.0/20"],
    ]);
    expect(subnets.every((subnet) => subnet.mapPublicIpOnLaunch && subnet.defaultForAz && subnet.availableIpAddressCount === 4091)).toBe(
      true,
    );
    expect(subnets.every((subnet) => network.isPublicSubnet(subnet.subnetId))).toBe(true);
    const [gateway] = network.describeInternetGateways();
    expect(gateway?.attachments).toEqual([{ vpcId: vpc?.vpcId, state: "available" }]);
    const [table] = network.describeRouteTables();
    expect(table?.routes).toEqual([
      { destinationCidrBlock: DEFAULT_VPC_CIDR, gatewayId: "local", state: "active", origin: "CreateRouteTable" },
      { destinationCidrBlock: "0.0.0.0/0", gatewayId: gateway?.internetGatewayId, state: "active", origin: "CreateRoute" },
    ]);
    expect(table?.associations).toEqual([expect.objectContaining({ main: true })]);
  });

  it("is made once: a reload finds the same one, and after it is deleted a reload does not make it again", async () => {
    const first = await open();
    const ids = first.network.describeVpcs().map((vpc) => vpc.vpcId);
    const second = await reload(first);
    expect(second.network.describeVpcs().map((vpc) => vpc.vpcId)).toEqual(ids);
    expect(second.network.describeSubnets()).toHaveLength(AVAILABILITY_ZONES.length);
    expect(second.network.describeSecurityGroups()).toHaveLength(1);

    const { network } = second;
    const [vpcId = ""] = ids;
    for (const subnet of network.describeSubnets()) await network.deleteSubnet(subnet.subnetId);
    const [gateway] = network.describeInternetGateways();
    await network.detachInternetGateway(gateway?.internetGatewayId ?? "", vpcId);
    await network.deleteVpc(vpcId);
    const third = await reload(second);
    expect(third.network.describeVpcs()).toEqual([]);
    expect(third.network.describeSecurityGroups()).toEqual([]);
  });
});

describe("reading back", () => {
  it("leaves out a damaged record, naming it and why, and keeps the others", async () => {
    const name = `damaged-${Math.random()}`;
    const persistence = await openPersistence({ name });
    await persistence.network.change([{ id: "vpc-0123456789abcdef0", version: 1, order: 0, kind: "vpc", cidrBlock: 42 }], []);
    await persistence.close();
    const under = await openNetwork(name);
    opened.push(under);
    expect(under.unreadable).toEqual([{ id: "vpc-0123456789abcdef0", reason: expect.stringContaining("cidrBlock") }]);
    // The default VPC was never made in this database: it is made now.
    expect(under.network.describeVpcs().map((vpc) => vpc.isDefault)).toEqual([true]);
  });
});

describe("VPCs and subnets", () => {
  it("keeps everything made across a reload, as described before it", async () => {
    const first = await open();
    const { network } = first;
    const vpc = await network.createVpc({ cidrBlock: "10.0.0.0/16", tags: [{ key: "Name", value: "lab" }] });
    const subnet = await network.createSubnet({ vpcId: vpc.vpcId, cidrBlock: "10.0.1.0/24", availabilityZone: "us-east-1b" });
    await network.modifySubnetAttribute(subnet.subnetId, { mapPublicIpOnLaunch: true });
    const { groupId } = await network.createSecurityGroup({ groupName: "web", description: "web servers", vpcId: vpc.vpcId });
    await network.authorize(
      groupId,
      [{ protocol: "tcp", fromPort: 80, toPort: 80, peer: { cidr: "0.0.0.0/0" }, description: "http" }],
      false,
    );
    await network.createNetworkInterface({
      subnetId: subnet.subnetId,
      groupIds: [groupId],
      description: "",
      instanceId: "i-0123456789abcdef0",
      associatePublicIpAddress: true,
    });
    const before = {
      vpcs: network.describeVpcs(),
      subnets: network.describeSubnets(),
      groups: network.describeSecurityGroups(),
      rules: network.describeSecurityGroupRules(),
      tables: network.describeRouteTables(),
      gateways: network.describeInternetGateways(),
      interfaces: network.describeNetworkInterfaces(),
    };
    const { network: after } = await reload(first);
    expect({
      vpcs: after.describeVpcs(),
      subnets: after.describeSubnets(),
      groups: after.describeSecurityGroups(),
      rules: after.describeSecurityGroupRules(),
      tables: after.describeRouteTables(),
      gateways: after.describeInternetGateways(),
      interfaces: after.describeNetworkInterfaces(),
    }).toEqual(before);
  });

  it("gives a new VPC a main route table with only its local route, and a default group", async () => {
    const { network } = await open();
    const vpc = await network.createVpc({ cidrBlock: "10.0.0.0/16" });
    expect(vpc).toMatchObject({ isDefault: false, cidrBlock: "10.0.0.0/16" });
    const [table, ...more] = network.describeRouteTables({ filters: [{ name: "vpc-id", values: [vpc.vpcId] }] });
    expect(more).toEqual([]);
    expect(table?.routes).toEqual([
      { destinationCidrBlock: "10.0.0.0/16", gatewayId: "local", state: "active", origin: "CreateRouteTable" },
    ]);
    const groups = network.describeSecurityGroups({ filters: [{ name: "vpc-id", values: [vpc.vpcId] }] });
    expect(groups.map((group) => group.groupName)).toEqual(["default"]);
  });

  it("refuses a subnet outside its VPC (InvalidSubnet.Range) or overlapping another (InvalidSubnet.Conflict), changing nothing", async () => {
    const under = await open();
    const { network } = under;
    const vpc = await network.createVpc({ cidrBlock: "10.0.0.0/16" });
    await network.createSubnet({ vpcId: vpc.vpcId, cidrBlock: "10.0.0.0/20" });
    const changes = under.changes();
    await expect(network.createSubnet({ vpcId: vpc.vpcId, cidrBlock: "10.1.0.0/24" })).rejects.toMatchObject({
      code: "InvalidSubnet.Range",
    });
    await expect(network.createSubnet({ vpcId: vpc.vpcId, cidrBlock: "10.0.8.0/24" })).rejects.toMatchObject({
      code: "InvalidSubnet.Conflict",
    });
    await expect(network.createSubnet({ vpcId: vpc.vpcId, cidrBlock: "10.0.0.0/16" })).rejects.toMatchObject({
      code: "InvalidSubnet.Conflict",
    });
    await expect(network.createSubnet({ vpcId: "vpc-0123456789abcdef0", cidrBlock: "10.0.16.0/24" })).rejects.toMatchObject({
      code: "InvalidVpcID.NotFound",
    });
    expect(under.changes()).toBe(changes);
    expect(network.describeSubnets({ filters: [{ name: "vpc-id", values: [vpc.vpcId] }] })).toHaveLength(1);
    // Two creates at once of overlapping blocks: one is made, the other conflicts.
    const results = await Promise.allSettled([
      network.createSubnet({ vpcId: vpc.vpcId, cidrBlock: "10.0.32.0/24" }),
      network.createSubnet({ vpcId: vpc.vpcId, cidrBlock: "10.0.32.0/25" }),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected"]);
  });

  it("counts a subnet's available addresses as the usable ones less those interfaces hold", async () => {
    const { network } = await open();
    const vpc = await network.createVpc({ cidrBlock: "10.0.0.0/16" });
    const subnet = await network.createSubnet({ vpcId: vpc.vpcId, cidrBlock: "10.0.0.0/28" });
    expect(subnet.availableIpAddressCount).toBe(11);
    await network.createNetworkInterface({
      subnetId: subnet.subnetId,
      groupIds: [],
      description: "",
      instanceId: null,
      associatePublicIpAddress: false,
    });
    expect(network.describeSubnets({ subnetIds: [subnet.subnetId] })[0]?.availableIpAddressCount).toBe(10);
  });

  it("refuses to delete a VPC with subnets, groups, an attached gateway or route tables of its own, then deletes it", async () => {
    const { network } = await open();
    const { vpcId } = await network.createVpc({ cidrBlock: "10.0.0.0/16" });
    const { subnetId } = await network.createSubnet({ vpcId, cidrBlock: "10.0.0.0/24" });
    const { groupId } = await network.createSecurityGroup({ groupName: "web", description: "web", vpcId });
    const { internetGatewayId } = await network.createInternetGateway();
    await network.attachInternetGateway(internetGatewayId, vpcId);
    const { routeTableId } = await network.createRouteTable(vpcId);
    const violation = { code: "DependencyViolation" };
    await expect(network.deleteVpc(vpcId)).rejects.toMatchObject(violation);
    await network.deleteSubnet(subnetId);
    await expect(network.deleteVpc(vpcId)).rejects.toMatchObject(violation);
    await network.deleteSecurityGroup(groupId);
    await expect(network.deleteVpc(vpcId)).rejects.toMatchObject(violation);
    await expect(network.deleteInternetGateway(internetGatewayId)).rejects.toMatchObject(violation);
    await network.detachInternetGateway(internetGatewayId, vpcId);
    await expect(network.deleteVpc(vpcId)).rejects.toMatchObject(violation);
    await network.deleteRouteTable(routeTableId);
    await network.deleteVpc(vpcId);
    expect(network.describeVpcs().map((vpc) => vpc.vpcId)).not.toContain(vpcId);
    // Its main route table and default group went with it.
    expect(network.describeRouteTables({ filters: [{ name: "vpc-id", values: [vpcId] }] })).toEqual([]);
    expect(network.describeSecurityGroups({ filters: [{ name: "vpc-id", values: [vpcId] }] })).toEqual([]);
    await expect(network.deleteVpc(vpcId)).rejects.toMatchObject({ code: "InvalidVpcID.NotFound" });
  });

  it("refuses to delete a subnet an interface is in", async () => {
    const { network } = await open();
    const [subnet] = network.describeSubnets();
    const eni = await network.createNetworkInterface({
      subnetId: subnet?.subnetId ?? "",
      groupIds: [],
      description: "",
      instanceId: "i-0123456789abcdef0",
      associatePublicIpAddress: false,
    });
    await expect(network.deleteSubnet(subnet?.subnetId ?? "")).rejects.toMatchObject({
      code: "DependencyViolation",
      message: expect.stringContaining("i-0123456789abcdef0"),
    });
    await network.deleteNetworkInterface(eni.networkInterfaceId);
    await network.deleteSubnet(subnet?.subnetId ?? "");
  });
});

describe("internet gateways and route tables", () => {
  it("makes a subnet public only while its table routes 0.0.0.0/0 to a gateway attached to its VPC", async () => {
    const { network } = await open();
    const { vpcId } = await network.createVpc({ cidrBlock: "10.0.0.0/16" });
    const { subnetId: publicId } = await network.createSubnet({ vpcId, cidrBlock: "10.0.0.0/24" });
    const { subnetId: privateId } = await network.createSubnet({ vpcId, cidrBlock: "10.0.1.0/24" });
    const { internetGatewayId } = await network.createInternetGateway();
    const { routeTableId } = await network.createRouteTable(vpcId);
    const route = { destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGatewayId };
    await expect(network.createRoute(routeTableId, route)).rejects.toMatchObject({ code: "InvalidParameterValue" });
    await network.attachInternetGateway(internetGatewayId, vpcId);
    await network.createRoute(routeTableId, route);
    expect(network.isPublicSubnet(publicId)).toBe(false);
    const { associationId } = await network.associateRouteTable(routeTableId, publicId);
    expect([network.isPublicSubnet(publicId), network.isPublicSubnet(privateId)]).toEqual([true, false]);
    expect(
      network
        .topology([])
        .vpcs.find((vpc) => vpc.vpcId === vpcId)
        ?.subnets.map((subnet) => subnet.public),
    ).toEqual([true, false]);

    await network.detachInternetGateway(internetGatewayId, vpcId);
    expect(network.isPublicSubnet(publicId)).toBe(false);
    expect(network.describeRouteTables({ routeTableIds: [routeTableId] })[0]?.routes[1]?.state).toBe("blackhole");
    await network.attachInternetGateway(internetGatewayId, vpcId);
    expect(network.isPublicSubnet(publicId)).toBe(true);
    await network.disassociateRouteTable(associationId);
    expect(network.isPublicSubnet(publicId)).toBe(false);
  });

  it("does not detach a gateway while an interface of the VPC has a public address (DependencyViolation)", async () => {
    const { network } = await open();
    const [vpc] = network.describeVpcs();
    const [gateway] = network.describeInternetGateways();
    const [subnet] = network.describeSubnets();
    const eni = await network.createNetworkInterface({
      subnetId: subnet?.subnetId ?? "",
      groupIds: [],
      description: "",
      instanceId: "i-0123456789abcdef0",
      associatePublicIpAddress: true,
    });
    const detach = () => network.detachInternetGateway(gateway?.internetGatewayId ?? "", vpc?.vpcId ?? "");
    await expect(detach()).rejects.toMatchObject({ code: "DependencyViolation", message: expect.stringContaining("i-0123456789abcdef0") });
    await network.setPublicAddress(eni.networkInterfaceId, false);
    await detach();
    expect(network.describeInternetGateways()[0]?.attachments).toEqual([]);
  });

  it("answers EC2's errors for gateways and routes", async () => {
    const { network } = await open();
    const { vpcId } = await network.createVpc({ cidrBlock: "10.0.0.0/16" });
    const [defaultVpc] = network.describeVpcs({ filters: [{ name: "is-default", values: ["true"] }] });
    const [defaultGateway] = network.describeInternetGateways();
    const { internetGatewayId } = await network.createInternetGateway();
    await network.attachInternetGateway(internetGatewayId, vpcId);
    const other = await network.createInternetGateway();
    await expect(network.attachInternetGateway(internetGatewayId, defaultVpc?.vpcId ?? "")).rejects.toMatchObject({
      code: "Resource.AlreadyAssociated",
    });
    await expect(network.attachInternetGateway(other.internetGatewayId, vpcId)).rejects.toMatchObject({
      code: "Resource.AlreadyAssociated",
    });
    await expect(network.detachInternetGateway(other.internetGatewayId, vpcId)).rejects.toMatchObject({ code: "Gateway.NotAttached" });
    const [main] = network.describeRouteTables({ filters: [{ name: "vpc-id", values: [vpcId] }] });
    const mainId = main?.routeTableId ?? "";
    await expect(
      network.createRoute(mainId, { destinationCidrBlock: "0.0.0.0/0", gatewayId: defaultGateway?.internetGatewayId ?? "" }),
    ).rejects.toMatchObject({
      code: "InvalidParameterValue",
    });
    await expect(network.createRoute(mainId, { destinationCidrBlock: "10.0.5.0/24", gatewayId: internetGatewayId })).rejects.toMatchObject({
      code: "InvalidParameterValue",
    });
    await network.createRoute(mainId, { destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGatewayId });
    await expect(network.createRoute(mainId, { destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGatewayId })).rejects.toMatchObject({
      code: "RouteAlreadyExists",
    });
    await expect(network.deleteRoute(mainId, "10.0.0.0/16")).rejects.toMatchObject({ code: "InvalidParameterValue" });
    await expect(network.deleteRoute(mainId, "192.168.0.0/16")).rejects.toMatchObject({ code: "InvalidRoute.NotFound" });
    await expect(network.deleteRouteTable(mainId)).rejects.toMatchObject({ code: "DependencyViolation" });
    await expect(network.disassociateRouteTable(main?.associations[0]?.routeTableAssociationId ?? "")).rejects.toMatchObject({
      code: "InvalidParameterValue",
    });
    await network.deleteRoute(mainId, "0.0.0.0/0");
    expect(network.describeRouteTables({ routeTableIds: [mainId] })[0]?.routes).toHaveLength(1);
  });
});
