import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../shared/errors.ts";
import { parseAuthorize, parseCreateSecurityGroup, parseRevoke } from "./securityGroups.ts";
import { expectRefused } from "./testing.ts";

const GROUP_ID = "sg-0123456789abcdef0";
const OTHER_GROUP_ID = "sg-00000000000000001";
const anywhere = [{ cidrIp: "0.0.0.0/0" }];

describe("parseAuthorize", () => {
  it("makes one rule per source, with protocols by name or number and -1's ports ignored", () => {
    const { rules } = parseAuthorize(GROUP_ID, {
      ipPermissions: [
        {
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          ipRanges: [{ cidrIp: "203.0.113.7/32", description: "office" }, { cidrIp: "10.0.0.0/16" }],
        },
        { ipProtocol: 17, fromPort: 53, toPort: 53, userIdGroupPairs: [{ groupId: OTHER_GROUP_ID }] },
        { ipProtocol: "-1", fromPort: 5, toPort: 9, ipRanges: anywhere },
        { ipProtocol: "icmp", fromPort: 8, toPort: -1, ipRanges: anywhere },
      ],
    });
    expect(rules).toEqual([
      { protocol: "tcp", fromPort: 22, toPort: 22, peer: { cidr: "203.0.113.7/32" }, description: "office" },
      { protocol: "tcp", fromPort: 22, toPort: 22, peer: { cidr: "10.0.0.0/16" }, description: "" },
      { protocol: "udp", fromPort: 53, toPort: 53, peer: { groupId: OTHER_GROUP_ID }, description: "" },
      { protocol: "-1", fromPort: -1, toPort: -1, peer: { cidr: "0.0.0.0/0" }, description: "" },
      { protocol: "icmp", fromPort: 8, toPort: -1, peer: { cidr: "0.0.0.0/0" }, description: "" },
    ]);
  });

  it.each([
    ["a protocol it does not carry", { ipProtocol: "gre", ipRanges: anywhere }, "InvalidParameterValue", /tcp, udp, icmp or -1/],
    ["a port over 65535", { ipProtocol: "tcp", fromPort: 0, toPort: 65_536, ipRanges: anywhere }, "InvalidParameterValue", /port range/],
    [
      "ports the wrong way round",
      { ipProtocol: "udp", fromPort: 90, toPort: 80, ipRanges: anywhere },
      "InvalidParameterValue",
      /port range/,
    ],
    ["tcp without ports", { ipProtocol: "tcp", ipRanges: anywhere }, "InvalidParameterValue", /fromPort and toPort/],
    ["an icmp code without a type", { ipProtocol: "icmp", fromPort: -1, toPort: 3, ipRanges: anywhere }, "InvalidParameterValue", /type/],
    [
      "a malformed CIDR",
      { ipProtocol: "tcp", fromPort: 1, toPort: 1, ipRanges: [{ cidrIp: "10.0.0.1/16" }] },
      "InvalidParameterValue",
      /malformed/,
    ],
    ["no source", { ipProtocol: "tcp", fromPort: 1, toPort: 1 }, "MissingParameter", /ipRanges.*userIdGroupPairs/],
    [
      "a malformed group",
      { ipProtocol: "tcp", fromPort: 1, toPort: 1, userIdGroupPairs: [{ groupId: "sg-1" }] },
      "InvalidGroupId.Malformed",
      /sg-1/,
    ],
    [
      "the same source twice",
      { ipProtocol: "tcp", fromPort: 1, toPort: 1, ipRanges: [...anywhere, ...anywhere] },
      "InvalidPermission.Duplicate",
      /given twice/,
    ],
  ])("refuses %s", (_, permission, code, message) => {
    expectRefused(() => parseAuthorize(GROUP_ID, { ipPermissions: [permission] }), code as ErrorCode, message);
  });

  it("refuses no permissions at all", () => {
    expectRefused(() => parseAuthorize(GROUP_ID, { ipPermissions: [] }), "MissingParameter", /at least one IpPermission/);
  });
});

describe("parseRevoke", () => {
  it("takes permissions or rule ids, and refuses neither", () => {
    expect(parseRevoke(GROUP_ID, { securityGroupRuleIds: ["sgr-0123456789abcdef0"] }).request).toEqual({
      rules: [],
      securityGroupRuleIds: ["sgr-0123456789abcdef0"],
    });
    expectRefused(() => parseRevoke(GROUP_ID, {}), "MissingParameter", /ipPermissions, or securityGroupRuleIds/);
    expectRefused(() => parseRevoke(GROUP_ID, { securityGroupRuleIds: ["sgr-x"] }), "InvalidSecurityGroupRuleId.Malformed", /sgr-x/);
  });
});

describe("parseCreateSecurityGroup", () => {
  it.each([
    ["no description", { groupName: "web" }, "MissingParameter", /description/],
    ["the default group's name", { groupName: "default", description: "d" }, "InvalidParameterValue", /default/],
    ["a name like an id", { groupName: "sg-web", description: "d" }, "InvalidParameterValue", /sg-/],
    ["characters EC2 does not take", { groupName: "wéb", description: "d" }, "InvalidParameterValue", /letters, digits/],
  ])("refuses %s", (_, request, code, message) => {
    expectRefused(() => parseCreateSecurityGroup(request), code as ErrorCode, message);
  });
});
