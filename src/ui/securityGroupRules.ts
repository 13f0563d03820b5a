/**
 * The console's rule editor without the page: EC2's rule types (SSH, HTTP, Custom TCP …), a
 * rule row as the form holds it, the row turned into the IpPermission the API takes, described
 * rules turned back into rows, and the changes that take a group from its rules to the edited
 * rows (authorize the new, revoke the removed). Whether a CIDR, a port or a rule is acceptable is
 * the API's question: its messages are EC2's, so the form only turns text into numbers.
 */
import type { IpPermissionRequest, SecurityGroupRule } from "../hypervisor/index.ts";
import type { CloudError } from "../shared/errors.ts";

export type RuleProtocolName = "tcp" | "udp" | "icmp" | "-1";

export interface RulePreset {
  readonly id: string;
  readonly label: string;
  readonly protocol: RuleProtocolName;
  /** The ports the type stands for, or null when the person gives them (Custom TCP, Custom UDP, Custom ICMP). */
  readonly ports: { readonly fromPort: number; readonly toPort: number } | null;
}

/** EC2 console's Type list, the ones this VPC carries (IPv4). */
export const RULE_PRESETS: readonly RulePreset[] = [
  { id: "custom-tcp", label: "Custom TCP", protocol: "tcp", ports: null },
  { id: "custom-udp", label: "Custom UDP", protocol: "udp", ports: null },
  { id: "custom-icmp", label: "Custom ICMP - IPv4", protocol: "icmp", ports: null },
  { id: "all-traffic", label: "All traffic", protocol: "-1", ports: { fromPort: -1, toPort: -1 } },
  { id: "all-tcp", label: "All TCP", protocol: "tcp", ports: { fromPort: 0, toPort: 65_535 } },
  { id: "all-udp", label: "All UDP", protocol: "udp", ports: { fromPort: 0, toPort: 65_535 } },
  { id: "all-icmp", label: "All ICMP - IPv4", protocol: "icmp", ports: { fromPort: -1, toPort: -1 } },
  { id: "ssh", label: "SSH", protocol: "tcp", ports: { fromPort: 22, toPort: 22 } },
  { id: "http", label: "HTTP", protocol: "tcp", ports: { fromPort: 80, toPort: 80 } },
  { id: "https", label: "HTTPS", protocol: "tcp", ports: { fromPort: 443, toPort: 443 } },
  { id: "dns-udp", label: "DNS (UDP)", protocol: "udp", ports: { fromPort: 53, toPort: 53 } },
];

const CUSTOM_BY_PROTOCOL: Readonly<Record<RuleProtocolName, string>> = {
  tcp: "custom-tcp",
  udp: "custom-udp",
  icmp: "custom-icmp",
  "-1": "all-traffic",
};

/** Anywhere on the IPv4 internet, EC2 console's "Anywhere-IPv4". */
export const ANYWHERE = "0.0.0.0/0";

/** One row of the rule editor, as text the person typed. */
export interface RuleRow {
  /** The described rule this row shows, while it is one; a new row has none. */
  readonly ruleId?: string;
  readonly presetId: string;
  /** "22", "8000-8080"; for Custom ICMP the type, or type:code ("3:4"). Ignored when the preset fixes the ports. */
  readonly portRange: string;
  /** A CIDR ("0.0.0.0/0") or a security group id ("sg-…"). */
  readonly source: string;
  readonly description: string;
}

export function presetById(presetId: string): RulePreset {
  return RULE_PRESETS.find((preset) => preset.id === presetId) ?? (RULE_PRESETS[0] as RulePreset);
}

/** The type a rule shows as: a named one (SSH) when its protocol and ports are that type's, else the protocol's Custom. */
export function presetOf(protocol: RuleProtocolName, fromPort: number, toPort: number): RulePreset {
  return (
    RULE_PRESETS.find((preset) => preset.protocol === protocol && preset.ports?.fromPort === fromPort && preset.ports.toPort === toPort) ??
    presetById(CUSTOM_BY_PROTOCOL[protocol])
  );
}

/** How a rule's ports read in the tables: "22", "8000 - 8080", "All", or for icmp the type and code. */
export function portRangeText(protocol: RuleProtocolName, fromPort: number, toPort: number): string {
  if (protocol === "-1") return "All";
  if (protocol === "icmp") {
    if (fromPort === -1) return "All";
    return toPort === -1 ? `type ${fromPort}` : `type ${fromPort} code ${toPort}`;
  }
  if (fromPort === 0 && toPort === 65_535) return "0 - 65535";
  return fromPort === toPort ? String(fromPort) : `${fromPort} - ${toPort}`;
}

/** How a protocol reads in the tables, as EC2's console writes it. */
export function protocolText(protocol: RuleProtocolName): string {
  return protocol === "-1" ? "All" : protocol.toUpperCase();
}

/** A new row of a type: SSH from anywhere, HTTP from anywhere, or a custom one waiting for its ports. */
export function newRow(presetId = "custom-tcp", source = ""): RuleRow {
  return { presetId, portRange: "", source, description: "" };
}

/** The rows the editor opens with: a group's described rules of one direction, in order. */
export function rowsOf(rules: readonly SecurityGroupRule[]): RuleRow[] {
  return rules.map((rule) => {
    const preset = presetOf(rule.ipProtocol, rule.fromPort, rule.toPort);
    return {
      ruleId: rule.securityGroupRuleId,
      presetId: preset.id,
      portRange: preset.ports ? "" : editablePorts(rule.ipProtocol, rule.fromPort, rule.toPort),
      source: rule.cidrIpv4 ?? rule.referencedGroupInfo?.groupId ?? "",
      description: rule.description,
    };
  });
}

function editablePorts(protocol: RuleProtocolName, fromPort: number, toPort: number): string {
  if (protocol === "icmp") return toPort === -1 ? String(fromPort) : `${fromPort}:${toPort}`;
  return fromPort === toPort ? String(fromPort) : `${fromPort}-${toPort}`;
}

export type RowResult =
  { readonly ok: true; readonly permission: IpPermissionRequest } | { readonly ok: false; readonly error: CloudError };

const WHOLE = /^-?\d+$/;

/** The ports a row's text stands for; numbers out of range go on to the API, which answers with EC2's message. */
function portsOfRow(preset: RulePreset, text: string): { fromPort: number; toPort: number } | string {
  if (preset.ports) return preset.ports;
  const trimmed = text.trim();
  if (preset.protocol === "icmp") {
    const [type = "", code = "-1", ...rest] = trimmed.split(":").map((part) => part.trim());
    if (rest.length > 0 || !WHOLE.test(type) || !WHOLE.test(code))
      return `ICMP type '${trimmed}' is not a number: give a type (8 for echo request), or type:code (3:4), or pick All ICMP - IPv4.`;
    return { fromPort: Number(type), toPort: Number(code) };
  }
  const parts = trimmed.split("-").map((part) => part.trim());
  const [from = "", to = from] = parts;
  if (parts.length > 2 || !WHOLE.test(from) || !WHOLE.test(to))
    return `Port range '${trimmed}' is not a port (80) or a range (8000-8080) of whole numbers from 0 to 65535.`;
  return { fromPort: Number(from), toPort: Number(to) };
}

/** A row as the IpPermission the API takes; its source is a group when it reads sg-…, else a CIDR. */
export function permissionOf(row: RuleRow): RowResult {
  const preset = presetById(row.presetId);
  const ports = portsOfRow(preset, row.portRange);
  if (typeof ports === "string") return { ok: false, error: { code: "InvalidParameterValue", message: ports } };
  const source = row.source.trim();
  if (source === "")
    return {
      ok: false,
      error: { code: "MissingParameter", message: "Each rule needs a source: a CIDR (0.0.0.0/0) or a security group id." },
    };
  const description = row.description.trim();
  const named = description ? { description } : {};
  return {
    ok: true,
    permission: {
      ipProtocol: preset.protocol,
      ...(preset.protocol === "-1" ? {} : ports),
      ...(source.startsWith("sg-") ? { userIdGroupPairs: [{ groupId: source, ...named }] } : { ipRanges: [{ cidrIp: source, ...named }] }),
    },
  };
}

/**
 * What Save does to take a group from its rules to the edited rows, in order: authorize the rules
 * that are new (one request, so a duplicate among them or of a kept rule is EC2's
 * InvalidPermission.Duplicate and nothing changes), revoke the rules gone or changed, then
 * authorize the changed rules again (a rule whose description alone changed is revoked first, as
 * it would be a duplicate of itself).
 */
export interface RuleChanges {
  readonly authorize: readonly IpPermissionRequest[];
  readonly revokeRuleIds: readonly string[];
  readonly reauthorize: readonly IpPermissionRequest[];
}

export type ChangesResult = { readonly ok: true; readonly changes: RuleChanges } | { readonly ok: false; readonly error: CloudError };

/** What makes two rules the same rule on EC2: protocol, ports and source, whatever the description. */
function permissionKey(permission: IpPermissionRequest): string {
  const source = permission.ipRanges?.[0]?.cidrIp ?? permission.userIdGroupPairs?.[0]?.groupId ?? "";
  const ports = permission.ipProtocol === "-1" ? "" : `${String(permission.fromPort)}|${String(permission.toPort)}`;
  return `${String(permission.ipProtocol)}|${ports}|${source}`;
}

function descriptionOf(permission: IpPermissionRequest): string {
  return permission.ipRanges?.[0]?.description ?? permission.userIdGroupPairs?.[0]?.description ?? "";
}

function ruleKey(rule: SecurityGroupRule): string {
  const ports = rule.ipProtocol === "-1" ? "" : `${rule.fromPort}|${rule.toPort}`;
  return `${rule.ipProtocol}|${ports}|${rule.cidrIpv4 ?? rule.referencedGroupInfo?.groupId ?? ""}`;
}

/** The changes from a group's rules of one direction to the edited rows; the first row that cannot be read is the error, row number in it. */
export function ruleChanges(rules: readonly SecurityGroupRule[], rows: readonly RuleRow[]): ChangesResult {
  const permissions: IpPermissionRequest[] = [];
  for (const [index, row] of rows.entries()) {
    const result = permissionOf(row);
    if (!result.ok) return { ok: false, error: { ...result.error, message: `Rule ${index + 1}: ${result.error.message}` } };
    permissions.push(result.permission);
  }
  const unmatched = new Map<string, SecurityGroupRule>();
  for (const rule of rules) unmatched.set(ruleKey(rule), rule);
  const authorize: IpPermissionRequest[] = [];
  const reauthorize: IpPermissionRequest[] = [];
  const revokeRuleIds: string[] = [];
  for (const permission of permissions) {
    const existing = unmatched.get(permissionKey(permission));
    if (!existing) {
      authorize.push(permission);
      continue;
    }
    // A row matches one rule at most: a second row like it is a duplicate, for the API to refuse.
    unmatched.delete(permissionKey(permission));
    if (existing.description !== descriptionOf(permission)) {
      revokeRuleIds.push(existing.securityGroupRuleId);
      reauthorize.push(permission);
    }
  }
  for (const rule of unmatched.values()) revokeRuleIds.push(rule.securityGroupRuleId);
  return { ok: true, changes: { authorize, revokeRuleIds, reauthorize } };
}

/** Whether applying the changes would do anything. */
export function changesNothing(changes: RuleChanges): boolean {
  return changes.authorize.length === 0 && changes.revokeRuleIds.length === 0 && changes.reauthorize.length === 0;
}
