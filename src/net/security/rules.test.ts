import { describe, expect, it } from "vitest";
import { parseIpv4 } from "../cidr.ts";
import type { NetworkTopology, PortConfig, SecurityGroupConfig, SecurityGroupRuleConfig } from "../topology.ts";
import type { FlowPacket } from "./packet.ts";
import { compilePolicy, decideFlow, type FlowReason } from "./rules.ts";

const ip = (text: string) => parseIpv4(text) as number;

let ruleCount = 0;
function rule(protocol: SecurityGroupRuleConfig["protocol"], fromPort: number, toPort: number, peer: string): SecurityGroupRuleConfig {
  ruleCount += 1;
  return { ruleId: `sgr-${ruleCount}`, protocol, fromPort, toPort, peer: peer.startsWith("sg-") ? { groupId: peer } : { cidr: peer } };
}
const ALL_OUT = rule("-1", -1, -1, "0.0.0.0/0");

function group(
  groupId: string,
  ingress: SecurityGroupRuleConfig[],
  egress: SecurityGroupRuleConfig[] = [ALL_OUT],
  vpcId = "vpc-main",
): SecurityGroupConfig {
  return { groupId, vpcId, ingress, egress };
}

function port(id: string, address: string, groups: string[], vpcId = "vpc-main", subnetId = "subnet-a"): PortConfig {
  return {
    networkInterfaceId: id,
    instanceId: `i-${id}`,
    macAddress: "02:00:00:00:00:01",
    privateIpAddress: address,
    publicIpAddress: null,
    vpcId,
    subnetId,
    securityGroupIds: groups,
    metadata: {} as PortConfig["metadata"],
  };
}

/** A (172.31.0.10) sends, B (172.31.0.11) receives; D (172.31.0.12) is a neighbour in sg-d; X is in another VPC. */
function topology(groups: SecurityGroupConfig[], bGroups = ["sg-b"], aGroups = ["sg-a"]): NetworkTopology {
  return {
    region: "us-east-1",
    vpcs: [
      {
        vpcId: "vpc-main",
        cidrBlock: "172.31.0.0/16",
        subnets: [{ subnetId: "subnet-a", cidrBlock: "172.31.0.0/20", availabilityZone: "us-east-1a", public: true }],
      },
      {
        vpcId: "vpc-other",
        cidrBlock: "10.0.0.0/16",
        subnets: [{ subnetId: "subnet-x", cidrBlock: "10.0.0.0/24", availabilityZone: "us-east-1a", public: false }],
      },
    ],
    securityGroups: [...groups, group("sg-d", []), group("sg-x", [rule("-1", -1, -1, "0.0.0.0/0")], [ALL_OUT], "vpc-other")],
    ports: [
      port("eni-a", "172.31.0.10", aGroups),
      port("eni-b", "172.31.0.11", bGroups),
      port("eni-d", "172.31.0.12", ["sg-d"]),
      port("eni-x", "10.0.0.10", ["sg-x"], "vpc-other", "subnet-x"),
    ],
  };
}

const ADDRESSES: Record<string, string> = { "eni-a": "172.31.0.10", "eni-b": "172.31.0.11", "eni-d": "172.31.0.12", "eni-x": "10.0.0.10" };
const INTERNET = "198.51.100.1";

function packet(protocol: number, dstPort: number, icmpType = 0, icmpCode = 0): Omit<FlowPacket, "srcIp" | "dstIp"> {
  return {
    protocol,
    srcPort: protocol === 6 || protocol === 17 ? 40000 : 0,
    dstPort,
    icmpType,
    icmpCode,
    tcpFlags: protocol === 6 ? 0x02 : 0,
  };
}
const tcp = (dstPort: number) => packet(6, dstPort);
const udp = (dstPort: number) => packet(17, dstPort);
const icmp = (type: number, code: number) => packet(1, 0, type, code);
const gre = () => packet(47, 0);

interface Case {
  readonly name: string;
  readonly groups: SecurityGroupConfig[];
  readonly packet: Omit<FlowPacket, "srcIp" | "dstIp">;
  readonly from?: string | null;
  readonly to?: string | null;
  /** Where the packet goes when `to` is null (the internet or a fabric service). */
  readonly dstIp?: string;
  readonly bGroups?: string[];
  readonly expected: FlowReason;
}

const B_ONLY = (ingress: SecurityGroupRuleConfig[]) => [group("sg-a", []), group("sg-b", ingress)];
const A_EGRESS = (egress: SecurityGroupRuleConfig[]) => [group("sg-a", [], egress), group("sg-b", [rule("-1", -1, -1, "0.0.0.0/0")])];

const CASES: Case[] = [
  { name: "tcp port 22 admits 22", groups: B_ONLY([rule("tcp", 22, 22, "0.0.0.0/0")]), packet: tcp(22), expected: "allowed" },
  { name: "tcp port 22 refuses 23", groups: B_ONLY([rule("tcp", 22, 22, "0.0.0.0/0")]), packet: tcp(23), expected: "ingress-denied" },
  { name: "tcp port 22 refuses udp 22", groups: B_ONLY([rule("tcp", 22, 22, "0.0.0.0/0")]), packet: udp(22), expected: "ingress-denied" },
  {
    name: "tcp range 8000-8080 admits its low end",
    groups: B_ONLY([rule("tcp", 8000, 8080, "0.0.0.0/0")]),
    packet: tcp(8000),
    expected: "allowed",
  },
  {
    name: "tcp range 8000-8080 admits its high end",
    groups: B_ONLY([rule("tcp", 8000, 8080, "0.0.0.0/0")]),
    packet: tcp(8080),
    expected: "allowed",
  },
  {
    name: "tcp range 8000-8080 refuses 8081",
    groups: B_ONLY([rule("tcp", 8000, 8080, "0.0.0.0/0")]),
    packet: tcp(8081),
    expected: "ingress-denied",
  },
  {
    name: "tcp range 8000-8080 refuses 7999",
    groups: B_ONLY([rule("tcp", 8000, 8080, "0.0.0.0/0")]),
    packet: tcp(7999),
    expected: "ingress-denied",
  },
  { name: "udp 53 admits udp 53", groups: B_ONLY([rule("udp", 53, 53, "0.0.0.0/0")]), packet: udp(53), expected: "allowed" },
  { name: "udp 53 refuses tcp 53", groups: B_ONLY([rule("udp", 53, 53, "0.0.0.0/0")]), packet: tcp(53), expected: "ingress-denied" },
  { name: "udp 53 refuses udp 54", groups: B_ONLY([rule("udp", 53, 53, "0.0.0.0/0")]), packet: udp(54), expected: "ingress-denied" },
  {
    name: "icmp echo (8, any code) admits an echo request",
    groups: B_ONLY([rule("icmp", 8, -1, "0.0.0.0/0")]),
    packet: icmp(8, 0),
    expected: "allowed",
  },
  {
    name: "icmp echo (8, any code) refuses a timestamp request",
    groups: B_ONLY([rule("icmp", 8, -1, "0.0.0.0/0")]),
    packet: icmp(13, 0),
    expected: "ingress-denied",
  },
  { name: "icmp type 3 code 4 admits 3/4", groups: B_ONLY([rule("icmp", 3, 4, "0.0.0.0/0")]), packet: icmp(3, 4), expected: "allowed" },
  {
    name: "icmp type 3 code 4 refuses 3/1",
    groups: B_ONLY([rule("icmp", 3, 4, "0.0.0.0/0")]),
    packet: icmp(3, 1),
    expected: "ingress-denied",
  },
  { name: "icmp any admits every type", groups: B_ONLY([rule("icmp", -1, -1, "0.0.0.0/0")]), packet: icmp(13, 0), expected: "allowed" },
  { name: "icmp any refuses tcp", groups: B_ONLY([rule("icmp", -1, -1, "0.0.0.0/0")]), packet: tcp(80), expected: "ingress-denied" },
  { name: "-1 admits tcp", groups: B_ONLY([rule("-1", -1, -1, "0.0.0.0/0")]), packet: tcp(5432), expected: "allowed" },
  { name: "-1 admits udp", groups: B_ONLY([rule("-1", -1, -1, "0.0.0.0/0")]), packet: udp(5000), expected: "allowed" },
  { name: "-1 admits icmp", groups: B_ONLY([rule("-1", -1, -1, "0.0.0.0/0")]), packet: icmp(8, 0), expected: "allowed" },
  { name: "-1 admits another protocol (GRE)", groups: B_ONLY([rule("-1", -1, -1, "0.0.0.0/0")]), packet: gre(), expected: "allowed" },
  {
    name: "tcp rules refuse another protocol (GRE)",
    groups: B_ONLY([rule("tcp", 0, 65535, "0.0.0.0/0")]),
    packet: gre(),
    expected: "ingress-denied",
  },
  {
    name: "a CIDR peer admits a source inside it",
    groups: B_ONLY([rule("tcp", 80, 80, "172.31.0.0/20")]),
    packet: tcp(80),
    expected: "allowed",
  },
  {
    name: "a CIDR peer refuses a source outside it",
    groups: B_ONLY([rule("tcp", 80, 80, "172.31.16.0/20")]),
    packet: tcp(80),
    expected: "ingress-denied",
  },
  {
    name: "/32 admits exactly that address",
    groups: B_ONLY([rule("tcp", 80, 80, "172.31.0.10/32")]),
    packet: tcp(80),
    expected: "allowed",
  },
  {
    name: "/32 refuses its neighbour",
    groups: B_ONLY([rule("tcp", 80, 80, "172.31.0.12/32")]),
    packet: tcp(80),
    expected: "ingress-denied",
  },
  { name: "/0 admits the internet", groups: B_ONLY([rule("tcp", 80, 80, "0.0.0.0/0")]), packet: tcp(80), from: null, expected: "allowed" },
  {
    name: "a private CIDR refuses the internet",
    groups: B_ONLY([rule("tcp", 80, 80, "172.31.0.0/16")]),
    packet: tcp(80),
    from: null,
    expected: "ingress-denied",
  },
  { name: "a group peer admits a member", groups: B_ONLY([rule("tcp", 80, 80, "sg-a")]), packet: tcp(80), expected: "allowed" },
  {
    name: "a group peer refuses a non-member",
    groups: B_ONLY([rule("tcp", 80, 80, "sg-a")]),
    packet: tcp(80),
    from: "eni-d",
    expected: "ingress-denied",
  },
  {
    name: "a group peer refuses the internet",
    groups: B_ONLY([rule("tcp", 80, 80, "sg-a")]),
    packet: tcp(80),
    from: null,
    expected: "ingress-denied",
  },
  { name: "no ingress rule refuses everything", groups: B_ONLY([]), packet: tcp(80), expected: "ingress-denied" },
  { name: "no egress rule refuses everything", groups: A_EGRESS([]), packet: tcp(80), expected: "egress-denied" },
  { name: "egress tcp 443 admits 443", groups: A_EGRESS([rule("tcp", 443, 443, "0.0.0.0/0")]), packet: tcp(443), expected: "allowed" },
  { name: "egress tcp 443 refuses 80", groups: A_EGRESS([rule("tcp", 443, 443, "0.0.0.0/0")]), packet: tcp(80), expected: "egress-denied" },
  {
    name: "egress to a CIDR refuses a destination outside it",
    groups: A_EGRESS([rule("-1", -1, -1, "10.0.0.0/8")]),
    packet: tcp(80),
    expected: "egress-denied",
  },
  { name: "egress to a group admits its member", groups: A_EGRESS([rule("-1", -1, -1, "sg-b")]), packet: tcp(80), expected: "allowed" },
  {
    name: "egress to a group refuses the internet",
    groups: A_EGRESS([rule("-1", -1, -1, "sg-b")]),
    packet: tcp(80),
    to: null,
    dstIp: INTERNET,
    expected: "egress-denied",
  },
  {
    name: "egress to /0 admits the internet",
    groups: A_EGRESS([ALL_OUT]),
    packet: tcp(80),
    to: null,
    dstIp: INTERNET,
    expected: "allowed",
  },
  {
    name: "the default group admits its own members",
    groups: [group("sg-default", [rule("-1", -1, -1, "sg-default")])],
    packet: tcp(80),
    expected: "allowed",
    ...{ bGroups: ["sg-default"] },
  },
  {
    name: "the default group refuses others",
    groups: [group("sg-default", [rule("-1", -1, -1, "sg-default")])],
    packet: tcp(80),
    from: "eni-d",
    bGroups: ["sg-default"],
    expected: "ingress-denied",
  },
  {
    name: "several groups on an interface admit the union of their rules",
    groups: [group("sg-a", []), group("sg-b", [rule("tcp", 22, 22, "0.0.0.0/0")]), group("sg-web", [rule("tcp", 80, 80, "0.0.0.0/0")])],
    bGroups: ["sg-b", "sg-web"],
    packet: tcp(80),
    expected: "allowed",
  },
  {
    name: "another VPC is not reachable",
    groups: B_ONLY([rule("-1", -1, -1, "0.0.0.0/0")]),
    packet: tcp(80),
    from: "eni-x",
    expected: "other-vpc",
  },
  {
    name: "an unknown interface sends nothing",
    groups: B_ONLY([rule("-1", -1, -1, "0.0.0.0/0")]),
    packet: tcp(80),
    from: "eni-gone",
    expected: "unknown-interface",
  },
  {
    name: "the metadata service ignores groups",
    groups: A_EGRESS([]),
    packet: tcp(80),
    to: null,
    dstIp: "169.254.169.254",
    expected: "fabric-service",
  },
  {
    name: "the VPC's DNS server ignores groups",
    groups: A_EGRESS([]),
    packet: udp(53),
    to: null,
    dstIp: "172.31.0.2",
    expected: "fabric-service",
  },
  {
    name: "the link-local DNS server ignores groups",
    groups: A_EGRESS([]),
    packet: udp(53),
    to: null,
    dstIp: "169.254.169.253",
    expected: "fabric-service",
  },
  {
    name: "DHCP ignores groups",
    groups: A_EGRESS([]),
    packet: { ...udp(67), srcPort: 68 },
    to: null,
    dstIp: "255.255.255.255",
    expected: "fabric-service",
  },
  {
    name: "a DHCP server's reply ignores groups",
    groups: B_ONLY([]),
    packet: { ...udp(68), srcPort: 67 },
    from: null,
    expected: "fabric-service",
  },
  {
    name: "port 67 on the internet is not DHCP",
    groups: A_EGRESS([]),
    packet: udp(67),
    to: null,
    dstIp: INTERNET,
    expected: "egress-denied",
  },
  {
    name: "another VPC's DNS address is the internet, not a service",
    groups: A_EGRESS([]),
    packet: udp(53),
    to: null,
    dstIp: "10.0.0.2",
    expected: "egress-denied",
  },
];

describe("a security group decision", () => {
  it.each(CASES)("$name: $expected", (c) => {
    const from = c.from === undefined ? "eni-a" : c.from;
    const to = c.to === undefined ? "eni-b" : c.to;
    const srcIp = ip(from === null ? INTERNET : (ADDRESSES[from] ?? "172.31.9.9"));
    const dstIp = ip(to === null ? (c.dstIp ?? INTERNET) : (ADDRESSES[to] ?? "172.31.9.9"));
    const policy = compilePolicy(topology(c.groups, c.bGroups, c.bGroups?.includes("sg-default") ? ["sg-default"] : undefined));
    const decision = decideFlow(policy, { ...c.packet, srcIp, dstIp }, from, to);
    expect(decision.reason).toBe(c.expected);
    expect(decision.allowed).toBe(c.expected === "allowed" || c.expected === "fabric-service");
  });

  it("names the rules that admitted a flow", () => {
    const ingress = rule("tcp", 80, 80, "0.0.0.0/0");
    const egress = rule("tcp", 0, 65535, "172.31.0.0/16");
    const policy = compilePolicy(topology([group("sg-a", [], [egress]), group("sg-b", [ingress])]));
    const decision = decideFlow(policy, { ...tcp(80), srcIp: ip("172.31.0.10"), dstIp: ip("172.31.0.11") }, "eni-a", "eni-b");
    expect(decision).toEqual({ allowed: true, reason: "allowed", egressRuleId: egress.ruleId, ingressRuleId: ingress.ruleId });
  });

  it("a rule with a malformed CIDR admits nothing", () => {
    const policy = compilePolicy(topology(B_ONLY([rule("tcp", 80, 80, "0.0.0.1/0")])));
    expect(decideFlow(policy, { ...tcp(80), srcIp: ip("172.31.0.10"), dstIp: ip("172.31.0.11") }, "eni-a", "eni-b").reason).toBe(
      "ingress-denied",
    );
  });

  it("a group of another VPC gives an interface no rules", () => {
    const policy = compilePolicy(topology([group("sg-a", []), group("sg-b", [rule("-1", -1, -1, "0.0.0.0/0")], [ALL_OUT], "vpc-other")]));
    expect(decideFlow(policy, { ...tcp(80), srcIp: ip("172.31.0.10"), dstIp: ip("172.31.0.11") }, "eni-a", "eni-b").reason).toBe(
      "ingress-denied",
    );
  });
});
