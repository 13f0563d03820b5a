/**
 * EC2's IpPermissions, the shape security-group rules are given and described in, and the rules
 * they stand for: one rule per source (CIDR or group), its protocol one of tcp, udp, icmp or -1,
 * its ports checked as EC2 checks them. Pure: whether a referenced group exists is the action's
 * question.
 */
import { Ec2Error } from "../../shared/errors.ts";
import { parseCidr } from "../../net/cidr.ts";
import type { RuleProtocol } from "../../net/topology.ts";
import type { RulePeer, RuleRecord } from "./model.ts";

export interface IpRange {
  readonly cidrIp: string;
  readonly description?: string;
}

export interface UserIdGroupPair {
  readonly groupId: string;
  readonly description?: string;
}

/** An IpPermission as given to authorize and revoke. */
export interface IpPermissionRequest {
  /** "tcp", "udp", "icmp", "-1" (every protocol), or their numbers 6, 17, 1. */
  readonly ipProtocol: string | number;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly ipRanges?: readonly IpRange[];
  readonly userIdGroupPairs?: readonly UserIdGroupPair[];
}

/** An IpPermission as describeSecurityGroups shows it: a "-1" permission has no ports. */
export interface IpPermission {
  readonly ipProtocol: RuleProtocol;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly ipRanges: readonly IpRange[];
  readonly userIdGroupPairs: readonly UserIdGroupPair[];
}

/** A rule as a request describes it, before it has an id and a direction. */
export type RuleSpec = Omit<RuleRecord, "ruleId" | "isEgress">;

const PROTOCOLS: Readonly<Record<string, RuleProtocol>> = {
  tcp: "tcp",
  "6": "tcp",
  udp: "udp",
  "17": "udp",
  icmp: "icmp",
  "1": "icmp",
  "-1": "-1",
};

const MAX_PORT = 65_535;
const MAX_ICMP = 255;
/** EC2's limit on a rule's description. */
export const MAX_RULE_DESCRIPTION_CHARS = 255;

function invalid(message: string): Ec2Error {
  return new Ec2Error("InvalidParameterValue", message);
}

function protocolOf(ipProtocol: string | number): RuleProtocol {
  const protocol = PROTOCOLS[String(ipProtocol).toLowerCase()];
  if (!protocol)
    throw invalid(`Invalid value '${String(ipProtocol)}' for IP protocol: use tcp, udp, icmp or -1 (all), or their numbers 6, 17, 1.`);
  return protocol;
}

function isWhole(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function portsOf(protocol: RuleProtocol, fromPort: number | undefined, toPort: number | undefined): { fromPort: number; toPort: number } {
  if (protocol === "-1") return { fromPort: -1, toPort: -1 };
  if (protocol === "icmp") {
    const type = fromPort ?? -1;
    const code = toPort ?? -1;
    if (!isWhole(type, -1, MAX_ICMP) || !isWhole(code, -1, MAX_ICMP))
      throw invalid(`For icmp, fromPort is the ICMP type and toPort the code, each -1 (any) or 0 to ${MAX_ICMP}; got ${type} and ${code}.`);
    if (type === -1 && code !== -1) throw invalid("For icmp, a code (toPort) needs a type (fromPort): with type -1 (any), the code is -1.");
    return { fromPort: type, toPort: code };
  }
  if (fromPort === undefined || toPort === undefined)
    throw invalid(`A ${protocol} rule needs fromPort and toPort (the same number for one port; 0 and ${MAX_PORT} for all).`);
  if (!isWhole(fromPort, 0, MAX_PORT) || !isWhole(toPort, 0, MAX_PORT) || fromPort > toPort)
    throw invalid(`Invalid port range ${fromPort}-${toPort}: ports are whole numbers from 0 to ${MAX_PORT}, fromPort no more than toPort.`);
  return { fromPort, toPort };
}

function cidrOf(cidrIp: string): string {
  if (!parseCidr(cidrIp))
    throw invalid(`CIDR block ${cidrIp} is malformed: give a network address and prefix such as 0.0.0.0/0, 10.0.0.0/16 or 203.0.113.7/32.`);
  return cidrIp;
}

/** The rules a list of IpPermissions stands for, one per source, in order; a source given twice is InvalidPermission.Duplicate. */
export function ruleSpecsOf(permissions: readonly IpPermissionRequest[]): RuleSpec[] {
  const specs: RuleSpec[] = [];
  const seen = new Set<string>();
  for (const permission of permissions) {
    const protocol = protocolOf(permission.ipProtocol);
    const ports = portsOf(protocol, permission.fromPort, permission.toPort);
    const ranges = permission.ipRanges ?? [];
    const pairs = permission.userIdGroupPairs ?? [];
    if (ranges.length === 0 && pairs.length === 0)
      throw new Ec2Error(
        "MissingParameter",
        "Each IpPermission needs a source or destination: ipRanges ({ cidrIp }) or userIdGroupPairs ({ groupId }).",
      );
    const peers: { peer: RulePeer; description: string }[] = [
      ...ranges.map((range) => ({ peer: { cidr: cidrOf(range.cidrIp) }, description: range.description ?? "" })),
      ...pairs.map((pair) => ({ peer: { groupId: pair.groupId }, description: pair.description ?? "" })),
    ];
    for (const { peer, description } of peers) {
      const spec: RuleSpec = { protocol, ...ports, peer, description };
      const key = ruleKey(spec);
      if (seen.has(key))
        throw new Ec2Error("InvalidPermission.Duplicate", `The rule ${describeRule(spec)} is given twice in this request.`);
      seen.add(key);
      specs.push(spec);
    }
  }
  return specs;
}

/** What makes two rules the same rule, whatever their ids and descriptions. */
export function ruleKey(rule: Pick<RuleSpec, "protocol" | "fromPort" | "toPort" | "peer">): string {
  const peer = "cidr" in rule.peer ? `cidr:${rule.peer.cidr}` : `group:${rule.peer.groupId}`;
  return `${rule.protocol}|${rule.fromPort}|${rule.toPort}|${peer}`;
}

/** "tcp 22 from 0.0.0.0/0", for messages. */
export function describeRule(rule: Pick<RuleSpec, "protocol" | "fromPort" | "toPort" | "peer">, isEgress = false): string {
  const peer = "cidr" in rule.peer ? rule.peer.cidr : rule.peer.groupId;
  const direction = isEgress ? "to" : "from";
  if (rule.protocol === "-1") return `all traffic ${direction} ${peer}`;
  if (rule.protocol === "icmp") return `icmp type ${rule.fromPort} code ${rule.toPort} ${direction} ${peer}`;
  const ports = rule.fromPort === rule.toPort ? `${rule.fromPort}` : `${rule.fromPort}-${rule.toPort}`;
  return `${rule.protocol} ${ports} ${direction} ${peer}`;
}

/** Rules grouped back into IpPermissions as EC2 describes them: one per protocol and port range, its sources in order. */
export function ipPermissionsOf(rules: readonly RuleRecord[]): IpPermission[] {
  const byRange = new Map<
    string,
    { protocol: RuleProtocol; fromPort: number; toPort: number; ranges: IpRange[]; pairs: UserIdGroupPair[] }
  >();
  for (const rule of rules) {
    const key = `${rule.protocol}|${rule.fromPort}|${rule.toPort}`;
    let entry = byRange.get(key);
    if (!entry) {
      entry = { protocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort, ranges: [], pairs: [] };
      byRange.set(key, entry);
    }
    const description = rule.description ? { description: rule.description } : {};
    if ("cidr" in rule.peer) entry.ranges.push({ cidrIp: rule.peer.cidr, ...description });
    else entry.pairs.push({ groupId: rule.peer.groupId, ...description });
  }
  return [...byRange.values()].map((entry) => ({
    ipProtocol: entry.protocol,
    ...(entry.protocol === "-1" ? {} : { fromPort: entry.fromPort, toPort: entry.toPort }),
    ipRanges: entry.ranges,
    userIdGroupPairs: entry.pairs,
  }));
}
