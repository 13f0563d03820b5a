import { describe, expect, it } from "vitest";
import type { RuleRecord } from "./model.ts";
import { describeRule, ipPermissionsOf, ruleKey } from "./permissions.ts";

const rule = (fields: Partial<RuleRecord>): RuleRecord => ({
  ruleId: "sgr-0123456789abcdef0",
  isEgress: false,
  protocol: "tcp",
  fromPort: 22,
  toPort: 22,
  peer: { cidr: "0.0.0.0/0" },
  description: "",
  ...fields,
});

describe("ipPermissionsOf", () => {
  it("groups rules by protocol and ports, sources in order, descriptions kept, and no ports for -1", () => {
    expect(
      ipPermissionsOf([
        rule({ description: "anywhere" }),
        rule({ protocol: "-1", fromPort: -1, toPort: -1, peer: { groupId: "sg-0123456789abcdef0" } }),
        rule({ peer: { groupId: "sg-00000000000000001" } }),
        rule({ peer: { cidr: "10.0.0.0/16" } }),
        rule({ protocol: "udp" }),
      ]),
    ).toEqual([
      {
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        ipRanges: [{ cidrIp: "0.0.0.0/0", description: "anywhere" }, { cidrIp: "10.0.0.0/16" }],
        userIdGroupPairs: [{ groupId: "sg-00000000000000001" }],
      },
      { ipProtocol: "-1", ipRanges: [], userIdGroupPairs: [{ groupId: "sg-0123456789abcdef0" }] },
      { ipProtocol: "udp", fromPort: 22, toPort: 22, ipRanges: [{ cidrIp: "0.0.0.0/0" }], userIdGroupPairs: [] },
    ]);
  });
});

describe("rules", () => {
  it("are the same rule whatever their ids and descriptions, and differ by protocol, ports or peer", () => {
    const ssh = rule({});
    expect(ruleKey(rule({ ruleId: "sgr-00000000000000001", description: "other" }))).toBe(ruleKey(ssh));
    for (const other of [
      rule({ protocol: "udp" }),
      rule({ toPort: 23 }),
      rule({ peer: { cidr: "0.0.0.0/1" } }),
      rule({ peer: { groupId: "sg-0" } }),
    ])
      expect(ruleKey(other)).not.toBe(ruleKey(ssh));
  });

  it("read as a person says them", () => {
    expect(describeRule(rule({}))).toBe("tcp 22 from 0.0.0.0/0");
    expect(describeRule(rule({ fromPort: 8000, toPort: 8080 }), true)).toBe("tcp 8000-8080 to 0.0.0.0/0");
    expect(describeRule(rule({ protocol: "icmp", fromPort: 8, toPort: -1 }))).toBe("icmp type 8 code -1 from 0.0.0.0/0");
    expect(describeRule(rule({ protocol: "-1", peer: { groupId: "sg-0123456789abcdef0" } }))).toBe("all traffic from sg-0123456789abcdef0");
  });
});
