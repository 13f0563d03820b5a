import { afterEach, describe, expect, it } from "vitest";
import { isReservedAddress, parseCidr, parseIpv4 } from "../../net/cidr.ts";
import { openNetwork, type NetworkUnderTest } from "../testing/network.ts";
import type { InstanceMetadata } from "../../net/topology.ts";

let opened: NetworkUnderTest | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

async function smallSubnet() {
  opened = await openNetwork();
  const { network } = opened;
  const { vpcId } = await network.createVpc({ cidrBlock: "10.0.0.0/16" });
  const { subnetId } = await network.createSubnet({ vpcId, cidrBlock: "10.0.0.16/28" });
  const create = (extra: { privateIpAddress?: string; associatePublicIpAddress?: boolean; groupIds?: string[] } = {}) =>
    network.createNetworkInterface({
      subnetId,
      groupIds: [],
      description: "",
      instanceId: null,
      associatePublicIpAddress: false,
      ...extra,
    });
  return { network, vpcId, subnetId, create };
}

describe("network interfaces", () => {
  it("get every usable address of a /28 once, never one AWS reserves, then InsufficientFreeAddressesInSubnet", async () => {
    const { create, network, subnetId } = await smallSubnet();
    const addresses: string[] = [];
    for (let i = 0; i < 11; i++) addresses.push((await create()).privateIpAddress);
    const subnet = parseCidr("10.0.0.16/28");
    expect(addresses).toEqual(Array.from({ length: 11 }, (_, i) => `10.0.0.${20 + i}`));
    expect(addresses.some((address) => subnet && isReservedAddress(parseIpv4(address) ?? 0, subnet))).toBe(false);
    expect(network.describeSubnets({ subnetIds: [subnetId] })[0]?.availableIpAddressCount).toBe(0);
    await expect(create()).rejects.toMatchObject({ code: "InsufficientFreeAddressesInSubnet" });
  });

  it("take an asked address only if it is free, in the subnet and not reserved", async () => {
    const { create } = await smallSubnet();
    expect((await create({ privateIpAddress: "10.0.0.25" })).privateIpAddress).toBe("10.0.0.25");
    await expect(create({ privateIpAddress: "10.0.0.25" })).rejects.toMatchObject({ code: "InvalidIPAddress.InUse" });
    for (const reserved of ["10.0.0.16", "10.0.0.17", "10.0.0.18", "10.0.0.19", "10.0.0.31"])
      await expect(create({ privateIpAddress: reserved })).rejects.toMatchObject({
        code: "InvalidParameterValue",
        message: expect.stringContaining("reserved"),
      });
    await expect(create({ privateIpAddress: "10.0.0.40" })).rejects.toMatchObject({ code: "InvalidParameterValue" });
    await expect(create({ privateIpAddress: "10.0.0" })).rejects.toMatchObject({ code: "InvalidParameterValue" });
    // The lowest free address skips the one taken.
    expect((await create()).privateIpAddress).toBe("10.0.0.20");
  });

  it("have a locally administered MAC of their own, the default group unless told, and a public address only when asked", async () => {
    const { create, network, vpcId } = await smallSubnet();
    const plain = await create();
    const withPublic = await create({ associatePublicIpAddress: true });
    expect(plain.macAddress).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(withPublic.macAddress).not.toBe(plain.macAddress);
    expect(plain.association).toBeUndefined();
    expect(withPublic.association?.publicIp).toMatch(/^(3|18|34|35|44|52|54)\.\d+\.\d+\.\d+$/);
    const [defaults] = network.describeSecurityGroups({ filters: [{ name: "vpc-id", values: [vpcId] }] });
    expect(plain.groups).toEqual([{ groupId: defaults?.groupId, groupName: "default" }]);
    expect(plain.privateDnsName).toBe(`ip-${plain.privateIpAddress.replaceAll(".", "-")}.ec2.internal`);
  });

  it("take only groups of their own VPC, at most five", async () => {
    const { create, network, vpcId } = await smallSubnet();
    const { groupId: elsewhere } = await network.createSecurityGroup({ groupName: "web", description: "default VPC" });
    await expect(create({ groupIds: [elsewhere] })).rejects.toMatchObject({ code: "InvalidParameterValue" });
    await expect(create({ groupIds: ["sg-0123456789abcdef0"] })).rejects.toMatchObject({ code: "InvalidGroup.NotFound" });
    const many: string[] = [];
    for (let i = 0; i < 6; i++) many.push((await network.createSecurityGroup({ groupName: `g${i}`, description: "g", vpcId })).groupId);
    await expect(create({ groupIds: many })).rejects.toMatchObject({ code: "InvalidParameterValue" });
    expect((await create({ groupIds: many.slice(0, 5) })).groups).toHaveLength(5);
  });

  it("are the fabric's ports, with a public address only in a public subnet", async () => {
    opened = await openNetwork();
    const { network } = opened;
    const [defaultSubnet] = network.describeSubnets();
    const eni = await network.createNetworkInterface({
      subnetId: defaultSubnet?.subnetId ?? "",
      groupIds: [],
      description: "",
      instanceId: "i-0123456789abcdef0",
      associatePublicIpAddress: true,
    });
    const metadata = { instanceId: "i-0123456789abcdef0" } as InstanceMetadata;
    const [port] = network.topology([{ networkInterfaceId: eni.networkInterfaceId, metadata }]).ports;
    expect(port).toMatchObject({
      networkInterfaceId: eni.networkInterfaceId,
      instanceId: "i-0123456789abcdef0",
      macAddress: eni.macAddress,
      privateIpAddress: "172.31.0.4",
      publicIpAddress: eni.association?.publicIp,
      securityGroupIds: eni.groups.map((group) => group.groupId),
    });
    const [table] = network.describeRouteTables();
    await network.deleteRoute(table?.routeTableId ?? "", "0.0.0.0/0");
    expect(network.topology([{ networkInterfaceId: eni.networkInterfaceId, metadata }]).ports[0]?.publicIpAddress).toBeNull();
    expect(network.interfacesOf("i-0123456789abcdef0").map((found) => found.networkInterfaceId)).toEqual([eni.networkInterfaceId]);
  });
});
