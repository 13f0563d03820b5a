/**
 * Security groups as the switch evaluates them: the topology's rules compiled once per
 * configure() into per-interface lists bucketed by protocol, and one pure decision per new flow.
 * A flow from interface A to interface B passes only if one of A's groups' egress rules admits B
 * and one of B's groups' ingress rules admits A (EC2: security groups are allow-lists, and the
 * union of every group on an interface applies). Replies are connection tracking's business.
 */
import { dnsAddress, parseCidr, prefixMask, routerAddress, type Cidr } from "../cidr.ts";
import type { NetworkTopology, SecurityGroupRuleConfig } from "../topology.ts";
import { PROTOCOL_ICMP, PROTOCOL_TCP, PROTOCOL_UDP, type FlowPacket } from "./packet.ts";

/**
 * Addresses whose traffic security groups never filter, as on EC2: the instance metadata service,
 * the Amazon Time Sync Service and Amazon DNS's link-local address.
 */
const LINK_LOCAL_SERVICE_IPS: ReadonlySet<number> = new Set([0xa9fea9fe, 0xa9fea97b, 0xa9fea9fd]);
const DHCP_SERVER_PORT = 67;
const DHCP_CLIENT_PORT = 68;

interface CompiledRule {
  readonly ruleId: string;
  /** tcp/udp: the inclusive port range; icmp: type and code, -1 for any. */
  readonly fromPort: number;
  readonly toPort: number;
  /** A CIDR peer as base and mask; a group peer has groupId set instead. */
  readonly peerBase: number;
  readonly peerMask: number;
  readonly peerGroupId: string | null;
}

interface RuleSet {
  readonly tcp: readonly CompiledRule[];
  readonly udp: readonly CompiledRule[];
  readonly icmp: readonly CompiledRule[];
  /** Protocol "-1": every protocol, every port. */
  readonly all: readonly CompiledRule[];
}

interface InterfacePolicy {
  readonly vpcId: string;
  readonly groupIds: ReadonlySet<string>;
  /** The addresses of the fabric's own services as this interface sees them: its VPC's DNS, its subnet's router. */
  readonly serviceIps: ReadonlySet<number>;
  readonly egress: RuleSet;
  readonly ingress: RuleSet;
}

/** Every interface's rules, compiled; rebuilt whole whenever the topology changes. */
export interface SecurityPolicy {
  readonly interfaces: ReadonlyMap<string, InterfacePolicy>;
}

export type FlowReason =
  /** To or from DHCP, DNS, the router or the metadata service: groups do not apply. */
  | "fabric-service"
  | "allowed"
  | "egress-denied"
  | "ingress-denied"
  /** An end names an interface the topology does not have (stopped, or not yet configured). */
  | "unknown-interface"
  /** The two ends are in different VPCs, which are not connected. */
  | "other-vpc";

export interface FlowDecision {
  readonly allowed: boolean;
  readonly reason: FlowReason;
  /** The rules that admitted the flow, when a group's rule did (null for the internet's side). */
  readonly egressRuleId: string | null;
  readonly ingressRuleId: string | null;
}

const denied = (reason: FlowReason): FlowDecision => Object.freeze({ allowed: false, reason, egressRuleId: null, ingressRuleId: null });
const DENIED_EGRESS = denied("egress-denied");
const DENIED_INGRESS = denied("ingress-denied");
const DENIED_UNKNOWN = denied("unknown-interface");
const DENIED_OTHER_VPC = denied("other-vpc");
const FABRIC_SERVICE: FlowDecision = Object.freeze({ allowed: true, reason: "fabric-service", egressRuleId: null, ingressRuleId: null });

export function compilePolicy(topology: NetworkTopology): SecurityPolicy {
  const groups = new Map(topology.securityGroups.map((group) => [group.groupId, group]));
  const serviceIpsBySubnet = new Map<string, ReadonlySet<number>>();
  for (const vpc of topology.vpcs) {
    const vpcCidr = parseCidr(vpc.cidrBlock);
    for (const subnet of vpc.subnets) {
      const subnetCidr = parseCidr(subnet.cidrBlock);
      const ips = new Set<number>();
      if (vpcCidr) ips.add(dnsAddress(vpcCidr));
      if (subnetCidr) ips.add(routerAddress(subnetCidr));
      serviceIpsBySubnet.set(subnet.subnetId, ips);
    }
  }
  const interfaces = new Map<string, InterfacePolicy>();
  for (const port of topology.ports) {
    // A group of another VPC, or one that no longer exists, contributes no rules: fail closed.
    const portGroups = port.securityGroupIds.flatMap((id) => {
      const group = groups.get(id);
      return group && group.vpcId === port.vpcId ? [group] : [];
    });
    interfaces.set(port.networkInterfaceId, {
      vpcId: port.vpcId,
      groupIds: new Set(port.securityGroupIds),
      serviceIps: serviceIpsBySubnet.get(port.subnetId) ?? new Set(),
      egress: compileRuleSet(portGroups.flatMap((group) => group.egress)),
      ingress: compileRuleSet(portGroups.flatMap((group) => group.ingress)),
    });
  }
  return { interfaces };
}

function compileRuleSet(rules: readonly SecurityGroupRuleConfig[]): RuleSet {
  const set = { tcp: [] as CompiledRule[], udp: [] as CompiledRule[], icmp: [] as CompiledRule[], all: [] as CompiledRule[] };
  for (const rule of rules) {
    const compiled = compileRule(rule);
    if (!compiled) continue;
    if (rule.protocol === "-1") set.all.push(compiled);
    else set[rule.protocol].push(compiled);
  }
  return set;
}

/** Null for a rule with a malformed CIDR: it admits nothing rather than something unintended. */
function compileRule(rule: SecurityGroupRuleConfig): CompiledRule | null {
  const base = { ruleId: rule.ruleId, fromPort: rule.fromPort, toPort: rule.toPort };
  if ("groupId" in rule.peer) return { ...base, peerBase: 0, peerMask: 0, peerGroupId: rule.peer.groupId };
  const cidr: Cidr | null = parseCidr(rule.peer.cidr);
  if (!cidr) return null;
  return { ...base, peerBase: cidr.base, peerMask: prefixMask(cidr.prefix), peerGroupId: null };
}

/**
 * Whether a new flow may start. `from` and `to` are network interface ids; null is the outside
 * of the VPC (the browser as the internet, or the fabric's own services), which has no security
 * groups of its own and which only a CIDR rule can match.
 */
export function decideFlow(policy: SecurityPolicy, packet: FlowPacket, from: string | null, to: string | null): FlowDecision {
  const sender = from === null ? null : policy.interfaces.get(from);
  const receiver = to === null ? null : policy.interfaces.get(to);
  if (sender === undefined || receiver === undefined || (sender === null && receiver === null)) return DENIED_UNKNOWN;
  if (receiver === null && sender !== null && isFabricService(sender, packet.dstIp, packet, DHCP_CLIENT_PORT, DHCP_SERVER_PORT)) {
    return FABRIC_SERVICE;
  }
  if (sender === null && receiver !== null && isFabricService(receiver, packet.srcIp, packet, DHCP_SERVER_PORT, DHCP_CLIENT_PORT)) {
    return FABRIC_SERVICE;
  }
  if (sender !== null && receiver !== null && sender.vpcId !== receiver.vpcId) return DENIED_OTHER_VPC;
  let egressRuleId: string | null = null;
  if (sender !== null) {
    egressRuleId = firstMatch(sender.egress, packet, packet.dstIp, receiver);
    if (egressRuleId === null) return DENIED_EGRESS;
  }
  let ingressRuleId: string | null = null;
  if (receiver !== null) {
    ingressRuleId = firstMatch(receiver.ingress, packet, packet.srcIp, sender);
    if (ingressRuleId === null) return DENIED_INGRESS;
  }
  return { allowed: true, reason: "allowed", egressRuleId, ingressRuleId };
}

/** `address` is the far end: the destination of what the interface sends, the source of what it receives. */
function isFabricService(own: InterfacePolicy, address: number, packet: FlowPacket, dhcpFrom: number, dhcpTo: number): boolean {
  if (LINK_LOCAL_SERVICE_IPS.has(address) || own.serviceIps.has(address)) return true;
  // DHCP before the guest has an address is broadcast, to and from no service address.
  return packet.protocol === PROTOCOL_UDP && packet.srcPort === dhcpFrom && packet.dstPort === dhcpTo;
}

/** The id of the first rule admitting the packet's other end (peerIp, or peer when it is an interface), or null. */
function firstMatch(rules: RuleSet, packet: FlowPacket, peerIp: number, peer: InterfacePolicy | null): string | null {
  const all = matchIn(rules.all, peerIp, peer, -1, -1);
  if (all !== null) return all;
  switch (packet.protocol) {
    case PROTOCOL_TCP:
      return matchIn(rules.tcp, peerIp, peer, packet.dstPort, -1);
    case PROTOCOL_UDP:
      return matchIn(rules.udp, peerIp, peer, packet.dstPort, -1);
    case PROTOCOL_ICMP:
      return matchIn(rules.icmp, peerIp, peer, packet.icmpType, packet.icmpCode);
    default:
      return null;
  }
}

/**
 * For tcp/udp, `a` is the destination port and `b` is -1; for icmp, `a` is the type and `b` the
 * code; for "-1" rules both are -1 and no port is compared.
 */
function matchIn(rules: readonly CompiledRule[], peerIp: number, peer: InterfacePolicy | null, a: number, b: number): string | null {
  for (const rule of rules) {
    if (a >= 0 && !portMatches(rule, a, b)) continue;
    if (rule.peerGroupId === null ? (peerIp & rule.peerMask) >>> 0 === rule.peerBase : peer?.groupIds.has(rule.peerGroupId) === true) {
      return rule.ruleId;
    }
  }
  return null;
}

function portMatches(rule: CompiledRule, a: number, b: number): boolean {
  // An ICMP rule names a type and a code, each -1 for any.
  if (b >= 0) return (rule.fromPort === -1 || rule.fromPort === a) && (rule.fromPort === -1 || rule.toPort === -1 || rule.toPort === b);
  return rule.fromPort === -1 || (a >= rule.fromPort && a <= rule.toPort);
}
