/**
 * The network actions of a lab's solution against a stub hypervisor: the EC2 requests they make.
 */
import { describe, expect, it } from "vitest";
import { NO_NETWORK, type Instance } from "../hypervisor/index.ts";
import type { Lab } from "./parse.ts";
import { playActions, type LabActionHost } from "./solution.ts";

const lab = { id: "web", instanceName: "web", image: "default", instanceType: "t3.micro", source: "labs/web.md" } as Lab;

function instance(name: string, groupId: string): Instance {
  return {
    ...({} as Omit<Instance, keyof typeof NO_NETWORK>),
    ...NO_NETWORK,
    instanceId: `i-0000000000000000${groupId.slice(-1)}`,
    launchTime: "2026-01-01T00:00:00.000Z",
    state: { name: "running", code: 16 },
    statusChecks: { system: "ok", instance: "ok" },
    tags: [{ key: "Name", value: name }],
    privateDnsName: `ip-172-31-0-${groupId.slice(-1)}.ec2.internal`,
    securityGroups: [{ groupId, groupName: name }],
  } as Instance;
}

function stubHost(): { host: LabActionHost; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const fleet = [instance("web", "sg-00000000000000001"), instance("client", "sg-00000000000000002")];
  const record =
    (name: string) =>
    async (...args: unknown[]) => {
      calls.push([name, ...args]);
      return [];
    };
  const host = {
    describeInstances: (request: { filters?: { name: string; values: string[] }[] } = {}) =>
      fleet.filter((i) => (request.filters ?? []).every((f) => f.values.includes(i.tags[0]?.value ?? ""))),
    describeVpcs: () => [{ vpcId: "vpc-00000000000000001", isDefault: true }],
    describeSecurityGroups: () => [
      { groupId: "sg-00000000000000009", groupName: "backend-sg", vpcId: "vpc-00000000000000001" },
      { groupId: "sg-00000000000000008", groupName: "backend-sg", vpcId: "vpc-00000000000000002" },
    ],
    describeImages: async () => [],
    authorizeSecurityGroupIngress: record("authorize"),
    revokeSecurityGroupIngress: record("revoke"),
    createSecurityGroup: record("createSecurityGroup"),
    runInstances: record("runInstances"),
    runCommand: async (...args: unknown[]) => {
      calls.push(["runCommand", ...args]);
      return { exitCode: 0, stdout: "", stderr: "" };
    },
  };
  return { host: host as unknown as LabActionHost, calls };
}

describe("network actions", () => {
  it("add and remove a rule of the instance's first group, from a CIDR or from another instance's group", async () => {
    const { host, calls } = stubHost();
    await playActions(host, lab, [
      { action: "authorizeIngress", port: 80, cidr: "0.0.0.0/0" },
      { action: "revokeIngress", instance: "web", protocol: "udp", port: 53, sourceInstance: "client" },
    ]);
    expect(calls).toEqual([
      [
        "authorize",
        "sg-00000000000000001",
        { ipPermissions: [{ ipProtocol: "tcp", fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: "0.0.0.0/0" }] }] },
      ],
      [
        "revoke",
        "sg-00000000000000001",
        { ipPermissions: [{ ipProtocol: "udp", fromPort: 53, toPort: 53, userIdGroupPairs: [{ groupId: "sg-00000000000000002" }] }] },
      ],
    ]);
  });

  it("create a group, and launch without a public IP in the default VPC's group of that name", async () => {
    const { host, calls } = stubHost();
    await playActions(host, lab, [
      { action: "createSecurityGroup", name: "backend-sg" },
      { action: "launch", name: "backend", associatePublicIpAddress: false, securityGroups: ["backend-sg"], wait: false },
    ]);
    expect(calls).toEqual([
      ["createSecurityGroup", { groupName: "backend-sg", description: "backend-sg, made by the lab web" }],
      [
        "runInstances",
        {
          instanceType: "t3.micro",
          tags: [{ key: "Name", value: "backend" }],
          associatePublicIpAddress: false,
          securityGroupIds: ["sg-00000000000000009"],
        },
      ],
    ]);
  });

  it("fill a command's placeholders, and refuse when a fact is missing", async () => {
    const { host, calls } = stubHost();
    await playActions(host, lab, [{ action: "run", command: "wget -qO- http://{{client.privateDnsName}}/" }]);
    expect(String(calls[0]?.[2])).toMatch(/\nwget -qO- http:\/\/ip-172-31-0-2\.ec2\.internal\/$/);
    await expect(playActions(host, lab, [{ action: "run", command: "echo {{publicIpAddress}}" }])).rejects.toThrow(
      /has no public IPv4 address/,
    );
  });
});
