import { describe, expect, it } from "vitest";
import type { SecurityGroupRule } from "../hypervisor/index.ts";
import {
  changesNothing,
  newRow,
  permissionOf,
  portRangeText,
  presetOf,
  ruleChanges,
  rowsOf,
  RULE_PRESETS,
  type RuleRow,
} from "./securityGroupRules.ts";

function rule(id: string, more: Partial<SecurityGroupRule>): SecurityGroupRule {
  return {
    securityGroupRuleId: id,
    groupId: "sg-0123456789abcdef0",
    isEgress: false,
    ipProtocol: "tcp",
    fromPort: 22,
    toPort: 22,
    cidrIpv4: "0.0.0.0/0",
    description: "",
    ...more,
  };
}

const row = (more: Partial<RuleRow>): RuleRow => ({ ...newRow(), source: "0.0.0.0/0", ...more });

describe("rule types", () => {
  it.each([
    ["ssh", { ipProtocol: "tcp", fromPort: 22, toPort: 22 }],
    ["http", { ipProtocol: "tcp", fromPort: 80, toPort: 80 }],
    ["https", { ipProtocol: "tcp", fromPort: 443, toPort: 443 }],
    ["all-traffic", { ipProtocol: "-1" }],
    ["all-icmp", { ipProtocol: "icmp", fromPort: -1, toPort: -1 }],
    ["all-tcp", { ipProtocol: "tcp", fromPort: 0, toPort: 65535 }],
  ])("%s fixes its protocol and ports whatever the port field says", (presetId, expected) => {
    const result = permissionOf(row({ presetId, portRange: "9999" }));
    expect(result).toEqual({ ok: true, permission: { ...expected, ipRanges: [{ cidrIp: "0.0.0.0/0" }] } });
  });

  it.each([
    ["custom-tcp", "8080", { ipProtocol: "tcp", fromPort: 8080, toPort: 8080 }],
    ["custom-tcp", " 8000 - 8080 ", { ipProtocol: "tcp", fromPort: 8000, toPort: 8080 }],
    ["custom-udp", "53", { ipProtocol: "udp", fromPort: 53, toPort: 53 }],
    ["custom-icmp", "8", { ipProtocol: "icmp", fromPort: 8, toPort: -1 }],
    ["custom-icmp", "3:4", { ipProtocol: "icmp", fromPort: 3, toPort: 4 }],
  ])("%s reads its ports from %j", (presetId, portRange, expected) => {
    expect(permissionOf(row({ presetId, portRange }))).toEqual({
      ok: true,
      permission: { ...expected, ipRanges: [{ cidrIp: "0.0.0.0/0" }] },
    });
  });

  it.each([
    ["custom-tcp", ""],
    ["custom-tcp", "http"],
    ["custom-tcp", "1-2-3"],
    ["custom-udp", "80.5"],
    ["custom-icmp", "echo"],
  ])("%s with ports %j is InvalidParameterValue, said before asking the API", (presetId, portRange) => {
    const result = permissionOf(row({ presetId, portRange }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("InvalidParameterValue");
  });

  it("leaves numbers out of range to the API, whose message is EC2's", () => {
    expect(permissionOf(row({ portRange: "90-80" }))).toMatchObject({ ok: true, permission: { fromPort: 90, toPort: 80 } });
    expect(permissionOf(row({ portRange: "70000" }))).toMatchObject({ ok: true, permission: { fromPort: 70000 } });
  });

  it("takes a group id as a group source and anything else as a CIDR for the API to check", () => {
    expect(permissionOf(row({ presetId: "ssh", source: "sg-0aaaaaaaaaaaaaaaa", description: " admins " }))).toEqual({
      ok: true,
      permission: {
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        userIdGroupPairs: [{ groupId: "sg-0aaaaaaaaaaaaaaaa", description: "admins" }],
      },
    });
    expect(permissionOf(row({ presetId: "ssh", source: "10.0.0.0/33" }))).toMatchObject({
      ok: true,
      permission: { ipRanges: [{ cidrIp: "10.0.0.0/33" }] },
    });
  });

  it("needs a source", () => {
    expect(permissionOf(row({ presetId: "ssh", source: " " }))).toMatchObject({ ok: false, error: { code: "MissingParameter" } });
  });

  it("names a described rule by its type: SSH, HTTP, or the protocol's Custom", () => {
    expect(presetOf("tcp", 22, 22).label).toBe("SSH");
    expect(presetOf("tcp", 80, 80).label).toBe("HTTP");
    expect(presetOf("tcp", 81, 81).label).toBe("Custom TCP");
    expect(presetOf("udp", 1, 2).label).toBe("Custom UDP");
    expect(presetOf("icmp", 8, -1).label).toBe("Custom ICMP - IPv4");
    expect(presetOf("icmp", -1, -1).label).toBe("All ICMP - IPv4");
    expect(presetOf("-1", -1, -1).label).toBe("All traffic");
    expect(new Set(RULE_PRESETS.map((preset) => preset.id)).size).toBe(RULE_PRESETS.length);
  });

  it("writes port ranges as EC2's console does", () => {
    expect(portRangeText("tcp", 22, 22)).toBe("22");
    expect(portRangeText("tcp", 8000, 8080)).toBe("8000 - 8080");
    expect(portRangeText("-1", -1, -1)).toBe("All");
    expect(portRangeText("icmp", -1, -1)).toBe("All");
    expect(portRangeText("icmp", 3, 4)).toBe("type 3 code 4");
  });
});

describe("rows of described rules", () => {
  it("opens the editor with each rule as a row that reads back as the same permission", () => {
    const rules = [
      rule("sgr-1", {}),
      rule("sgr-2", { fromPort: 8000, toPort: 8080, description: "web" }),
      rule("sgr-3", { ipProtocol: "icmp", fromPort: 3, toPort: 4, cidrIpv4: "10.0.0.0/8" }),
      rule("sgr-4", { ipProtocol: "-1", fromPort: -1, toPort: -1, referencedGroupInfo: { groupId: "sg-0bbbbbbbbbbbbbbbb" } }),
    ];
    const { cidrIpv4: _unused, ...byGroup } = rules[3] as SecurityGroupRule;
    rules[3] = byGroup;
    const rows = rowsOf(rules);
    expect(rows.map((r) => [r.ruleId, r.presetId, r.portRange, r.source])).toEqual([
      ["sgr-1", "ssh", "", "0.0.0.0/0"],
      ["sgr-2", "custom-tcp", "8000-8080", "0.0.0.0/0"],
      ["sgr-3", "custom-icmp", "3:4", "10.0.0.0/8"],
      ["sgr-4", "all-traffic", "", "sg-0bbbbbbbbbbbbbbbb"],
    ]);
    expect(ruleChanges(rules, rows)).toEqual({ ok: true, changes: { authorize: [], revokeRuleIds: [], reauthorize: [] } });
  });
});

describe("the changes Save applies", () => {
  const ssh = rule("sgr-ssh", {});
  const web = rule("sgr-web", { fromPort: 80, toPort: 80 });

  it("authorizes an added rule and keeps the others", () => {
    const result = ruleChanges([ssh], [...rowsOf([ssh]), row({ presetId: "http" })]);
    expect(result).toEqual({
      ok: true,
      changes: {
        authorize: [{ ipProtocol: "tcp", fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: "0.0.0.0/0" }] }],
        revokeRuleIds: [],
        reauthorize: [],
      },
    });
  });

  it("revokes a removed rule by its id", () => {
    expect(ruleChanges([ssh, web], rowsOf([ssh]))).toEqual({
      ok: true,
      changes: { authorize: [], revokeRuleIds: ["sgr-web"], reauthorize: [] },
    });
  });

  it("turns a changed rule into authorizing the new and revoking the old", () => {
    const [edited] = rowsOf([web]);
    const result = ruleChanges([web], [{ ...(edited as RuleRow), source: "10.0.0.0/16" }]);
    expect(result).toEqual({
      ok: true,
      changes: {
        authorize: [{ ipProtocol: "tcp", fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: "10.0.0.0/16" }] }],
        revokeRuleIds: ["sgr-web"],
        reauthorize: [],
      },
    });
  });

  it("revokes and authorizes again a rule whose description alone changed", () => {
    const [edited] = rowsOf([web]);
    const result = ruleChanges([web], [{ ...(edited as RuleRow), description: "site" }]);
    expect(result).toMatchObject({
      ok: true,
      changes: { authorize: [], revokeRuleIds: ["sgr-web"], reauthorize: [{ ipRanges: [{ cidrIp: "0.0.0.0/0", description: "site" }] }] },
    });
  });

  it("sends a second row like a kept rule to the API, which refuses it as a duplicate", () => {
    const result = ruleChanges([ssh], [...rowsOf([ssh]), row({ presetId: "custom-tcp", portRange: "22" })]);
    expect(result).toMatchObject({ ok: true, changes: { authorize: [{ fromPort: 22, toPort: 22 }], revokeRuleIds: [] } });
  });

  it("sends two like new rows in one request, for the API to refuse", () => {
    const result = ruleChanges([], [row({ presetId: "http" }), row({ presetId: "http" })]);
    expect(result.ok && result.changes.authorize).toHaveLength(2);
  });

  it("changes nothing when the rows are the rules", () => {
    const result = ruleChanges([ssh, web], rowsOf([ssh, web]));
    expect(result.ok && changesNothing(result.changes)).toBe(true);
  });

  it("names the row that cannot be read, and changes nothing", () => {
    const result = ruleChanges([ssh], [...rowsOf([ssh]), row({ portRange: "eighty" })]);
    expect(result).toMatchObject({
      ok: false,
      error: { code: "InvalidParameterValue", message: expect.stringMatching(/^Rule 2: Port range 'eighty'/) },
    });
  });
});
