import { afterEach, describe, expect, it } from "vitest";
import { openNetwork, type NetworkUnderTest } from "../testing/network.ts";
import type { NetworkResources } from "./networkResources.ts";
import type { RuleSpec } from "./permissions.ts";

let opened: NetworkUnderTest | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

async function withVpc(): Promise<{ network: NetworkResources; vpcId: string }> {
  opened = await openNetwork();
  const { vpcId } = await opened.network.createVpc({ cidrBlock: "10.0.0.0/16" });
  return { network: opened.network, vpcId };
}

const ssh: RuleSpec = { protocol: "tcp", fromPort: 22, toPort: 22, peer: { cidr: "0.0.0.0/0" }, description: "" };
const anyEgress = { protocol: "-1", fromPort: -1, toPort: -1, peer: { cidr: "0.0.0.0/0" } } as const;

describe("security groups", () => {
  it("gives a new group all egress and no ingress, and a VPC's default group ingress from its own members", async () => {
    const { network, vpcId } = await withVpc();
    const { groupId } = await network.createSecurityGroup({ groupName: "web", description: "web servers", vpcId });
    const [group] = network.describeSecurityGroups({ groupIds: [groupId] });
    expect(group).toMatchObject({
      groupName: "web",
      description: "web servers",
      vpcId,
      ipPermissions: [],
      ipPermissionsEgress: [{ ipProtocol: "-1", ipRanges: [{ cidrIp: "0.0.0.0/0" }], userIdGroupPairs: [] }],
    });
    const [defaults] = network.describeSecurityGroups({
      filters: [
        { name: "group-name", values: ["default"] },
        { name: "vpc-id", values: [vpcId] },
      ],
    });
    expect(defaults?.ipPermissions).toEqual([{ ipProtocol: "-1", ipRanges: [], userIdGroupPairs: [{ groupId: defaults?.groupId }] }]);
    const topology = network.topology([]).securityGroups.find((config) => config.groupId === defaults?.groupId);
    expect(topology?.ingress).toEqual([expect.objectContaining({ protocol: "-1", peer: { groupId: defaults?.groupId } })]);
    expect(topology?.egress).toEqual([expect.objectContaining(anyEgress)]);
  });

  it("refuses a name taken in the VPC (InvalidGroup.Duplicate), and takes it in another VPC", async () => {
    const { network, vpcId } = await withVpc();
    await network.createSecurityGroup({ groupName: "web", description: "web", vpcId });
    await expect(network.createSecurityGroup({ groupName: "web", description: "again", vpcId })).rejects.toMatchObject({
      code: "InvalidGroup.Duplicate",
    });
    // Without a VPC: the default VPC.
    const { groupId } = await network.createSecurityGroup({ groupName: "web", description: "in the default VPC" });
    expect(network.describeSecurityGroups({ groupIds: [groupId] })[0]?.vpcId).toBe(network.describeVpcs()[0]?.vpcId);
  });

  it("authorizes a rule once: the same rule again is InvalidPermission.Duplicate, another description or not", async () => {
    const { network, vpcId } = await withVpc();
    const { groupId } = await network.createSecurityGroup({ groupName: "web", description: "web", vpcId });
    const [rule] = await network.authorize(groupId, [ssh], false);
    expect(rule).toMatchObject({ groupId, isEgress: false, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" });
    expect(rule?.securityGroupRuleId).toMatch(/^sgr-[0-9a-f]{17}$/);
    await expect(network.authorize(groupId, [{ ...ssh, description: "other words" }], false)).rejects.toMatchObject({
      code: "InvalidPermission.Duplicate",
    });
    // The same rule outbound is another rule.
    await network.authorize(groupId, [ssh], true);
    // A failed authorize of several adds none of them.
    const http: RuleSpec = { ...ssh, fromPort: 80, toPort: 80 };
    await expect(network.authorize(groupId, [http, ssh], false)).rejects.toMatchObject({ code: "InvalidPermission.Duplicate" });
    expect(network.describeSecurityGroupRules({ filters: [{ name: "group-id", values: [groupId] }] })).toHaveLength(3);
  });

  it("takes a group of its VPC as a source, not one of another VPC or one that does not exist", async () => {
    const { network, vpcId } = await withVpc();
    const { groupId: web } = await network.createSecurityGroup({ groupName: "web", description: "web", vpcId });
    const { groupId: db } = await network.createSecurityGroup({ groupName: "db", description: "db", vpcId });
    const [rule] = await network.authorize(db, [{ ...ssh, fromPort: 5432, toPort: 5432, peer: { groupId: web } }], false);
    expect(rule?.referencedGroupInfo).toEqual({ groupId: web });
    expect(network.describeSecurityGroups({ groupIds: [db] })[0]?.ipPermissions).toEqual([
      { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, ipRanges: [], userIdGroupPairs: [{ groupId: web }] },
    ]);
    const { groupId: elsewhere } = await network.createSecurityGroup({ groupName: "web", description: "default VPC" });
    await expect(network.authorize(db, [{ ...ssh, peer: { groupId: elsewhere } }], false)).rejects.toMatchObject({
      code: "InvalidGroup.NotFound",
    });
    await expect(network.authorize(db, [{ ...ssh, peer: { groupId: "sg-0123456789abcdef0" } }], false)).rejects.toMatchObject({
      code: "InvalidGroup.NotFound",
    });
    // A group another group's rule names cannot be deleted until the rule is revoked.
    await expect(network.deleteSecurityGroup(web)).rejects.toMatchObject({ code: "DependencyViolation" });
    await network.revoke(db, { rules: [], securityGroupRuleIds: [rule?.securityGroupRuleId ?? ""] }, false);
    await network.deleteSecurityGroup(web);
  });

  it("revokes rules by what they allow or by id; a rule it does not have is InvalidPermission.NotFound", async () => {
    const { network, vpcId } = await withVpc();
    const { groupId } = await network.createSecurityGroup({ groupName: "web", description: "web", vpcId });
    await network.authorize(groupId, [ssh], false);
    await expect(network.revoke(groupId, { rules: [ssh], securityGroupRuleIds: [] }, true)).rejects.toMatchObject({
      code: "InvalidPermission.NotFound",
    });
    await expect(network.revoke(groupId, { rules: [], securityGroupRuleIds: ["sgr-0123456789abcdef0"] }, false)).rejects.toMatchObject({
      code: "InvalidSecurityGroupRuleId.NotFound",
    });
    await network.revoke(groupId, { rules: [{ ...ssh, description: "not compared" }], securityGroupRuleIds: [] }, false);
    expect(network.describeSecurityGroups({ groupIds: [groupId] })[0]?.ipPermissions).toEqual([]);
    const [egress] = network.describeSecurityGroupRules({ filters: [{ name: "group-id", values: [groupId] }] });
    await network.revoke(groupId, { rules: [], securityGroupRuleIds: [egress?.securityGroupRuleId ?? ""] }, true);
    expect(network.describeSecurityGroupRules({ filters: [{ name: "group-id", values: [groupId] }] })).toEqual([]);
  });

  it("cannot delete a default group (CannotDelete) nor a group an interface uses (DependencyViolation)", async () => {
    const { network, vpcId } = await withVpc();
    const [defaults] = network.describeSecurityGroups({ filters: [{ name: "vpc-id", values: [vpcId] }] });
    await expect(network.deleteSecurityGroup(defaults?.groupId ?? "")).rejects.toMatchObject({ code: "CannotDelete" });
    const { groupId } = await network.createSecurityGroup({ groupName: "web", description: "web", vpcId });
    const { subnetId } = await network.createSubnet({ vpcId, cidrBlock: "10.0.0.0/24" });
    const eni = await network.createNetworkInterface({
      subnetId,
      groupIds: [groupId],
      description: "",
      instanceId: "i-0123456789abcdef0",
      associatePublicIpAddress: false,
    });
    await expect(network.deleteSecurityGroup(groupId)).rejects.toMatchObject({ code: "DependencyViolation" });
    await network.setInterfaceGroups(eni.networkInterfaceId, [defaults?.groupId ?? ""]);
    await network.deleteSecurityGroup(groupId);
    await expect(network.deleteSecurityGroup(groupId)).rejects.toMatchObject({ code: "InvalidGroup.NotFound" });
  });

  it("refuses a 61st inbound rule (RulesPerSecurityGroupLimitExceeded)", async () => {
    const { network, vpcId } = await withVpc();
    const { groupId } = await network.createSecurityGroup({ groupName: "web", description: "web", vpcId });
    const rules = Array.from({ length: 60 }, (_, port): RuleSpec => ({ ...ssh, fromPort: 1000 + port, toPort: 1000 + port }));
    await network.authorize(groupId, rules, false);
    await expect(network.authorize(groupId, [ssh], false)).rejects.toMatchObject({ code: "RulesPerSecurityGroupLimitExceeded" });
  });
});
