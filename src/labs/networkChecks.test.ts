/**
 * The public-http and security-group-rule checks against a stub hypervisor: what the internet
 * gets from an instance's public address, and which inbound rules its groups hold.
 */
import { describe, expect, it } from "vitest";
import { NO_NETWORK, type Hypervisor, type Instance, type SecurityGroup } from "../hypervisor/index.ts";
import { judgePublicHttp, judgeSecurityGroupRule, type NetworkLabHost } from "./networkChecks.ts";
import type { InstanceLookup } from "./placeholders.ts";
import type { PublicHttpCheck, SecurityGroupRuleCheck } from "./schema.ts";

type Answer = Awaited<ReturnType<Hypervisor["requestPublicAddress"]>>;

function instance(name: string, facts: Partial<Instance> = {}): Instance {
  return {
    ...({} as Omit<Instance, keyof typeof NO_NETWORK>),
    ...NO_NETWORK,
    instanceId: `i-0000000000000000${name === "web" ? "1" : "2"}`,
    state: { name: "running", code: 16 },
    tags: [{ key: "Name", value: name }],
    ...facts,
  } as Instance;
}

const web = instance("web", {
  publicIpAddress: "54.0.0.10",
  securityGroups: [{ groupId: "sg-00000000000000001", groupName: "default" }],
});
const client = instance("client", { securityGroups: [{ groupId: "sg-00000000000000002", groupName: "client" }] });
const lookup: InstanceLookup = (name) => {
  const found = [web, client].find((candidate) => candidate.tags[0]?.value === (name ?? "web"));
  return { instance: found, who: name === undefined ? "the lab's instance (web)" : `the instance named ${name}` };
};
const verdict = (passed: boolean, message: string) => ({ passed, message });

function host(answer: Answer, groups: SecurityGroup[] = []): NetworkLabHost & { asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    describeSecurityGroups: (request = {}) => groups.filter((group) => request.groupIds?.includes(group.groupId) ?? true),
    requestPublicAddress: async (request) => {
      asked.push(request);
      return answer;
    },
  };
}

const page = (status: number, text: string): Answer => ({
  ok: true,
  status,
  statusText: status === 200 ? "OK" : "Not Found",
  headers: [],
  body: new TextEncoder().encode(text),
});
const blocked: Answer = { ok: false, code: "Blocked", message: "The security groups do not allow TCP port 80." };

describe("public-http checks", () => {
  const served: PublicHttpCheck = { kind: "public-http", contains: "Hello from my instance" };
  const unreachable: PublicHttpCheck = { kind: "public-http", expect: "unreachable" };

  it("pass when the public address serves the page, asking it as the browser does", async () => {
    const stub = host(page(200, "<h1>Hello from my instance</h1>"));
    expect(await judgePublicHttp(stub, lookup, served, verdict)).toEqual({
      passed: true,
      message: 'http://54.0.0.10/ answered 200 with "Hello from my instance".',
    });
    expect(stub.asked).toEqual([{ publicIp: "54.0.0.10", port: 80, method: "GET", path: "/", headers: [], body: null }]);
    expect((await judgePublicHttp(stub, lookup, unreachable, verdict)).passed).toBe(false);
  });

  it("say what to do when the security group drops the request, and pass for unreachable", async () => {
    expect(await judgePublicHttp(host(blocked), lookup, served, verdict)).toEqual({
      passed: false,
      message:
        "The request from the internet to http://54.0.0.10/ timed out: does the instance's security group allow TCP port 80 from 0.0.0.0/0?",
    });
    expect((await judgePublicHttp(host(blocked), lookup, unreachable, verdict)).passed).toBe(true);
  });

  it("fail on another page, an error status or nothing listening", async () => {
    const other = await judgePublicHttp(host(page(200, "It works")), lookup, served, verdict);
    expect(other).toEqual({
      passed: false,
      message: 'http://54.0.0.10/ answered, but its page does not contain "Hello from my instance" (it begins: It works).',
    });
    expect((await judgePublicHttp(host(page(404, "")), lookup, served, verdict)).message).toMatch(/answered 404 Not Found/);
    const refused: Answer = { ok: false, code: "ConnectionRefused", message: "refused" };
    expect(await judgePublicHttp(host(refused), lookup, { ...served, port: 8080 }, verdict)).toEqual({
      passed: false,
      message: "The request reached the lab's instance (web), but nothing listens on port 8080: start the web server.",
    });
    expect((await judgePublicHttp(host(refused), lookup, unreachable, verdict)).passed).toBe(false);
  });

  it("need no request for an instance without a public address", async () => {
    const stub = host(page(200, "Hello from my instance"));
    const check: PublicHttpCheck = { kind: "public-http", instance: "client", expect: "unreachable" };
    expect(await judgePublicHttp(stub, lookup, check, verdict)).toEqual({
      passed: true,
      message:
        "the instance named client has no public IPv4 address (it was launched without one, or in a private subnet): the internet cannot reach it.",
    });
    expect((await judgePublicHttp(stub, lookup, { ...check, expect: "served" }, verdict)).passed).toBe(false);
    expect(stub.asked).toEqual([]);
  });
});

describe("security-group-rule checks", () => {
  const group = (groupId: string, ipPermissions: SecurityGroup["ipPermissions"]): SecurityGroup => ({
    groupId,
    groupName: groupId === "sg-00000000000000001" ? "default" : "client",
    description: "",
    vpcId: "vpc-00000000000000001",
    ipPermissions,
    ipPermissionsEgress: [],
    tags: [],
  });
  const http: SecurityGroupRuleCheck = { kind: "security-group-rule", port: 80, cidr: "0.0.0.0/0" };
  const fromClient: SecurityGroupRuleCheck = { kind: "security-group-rule", port: 80, sourceInstance: "client" };

  it.each([
    [
      "HTTP from anywhere",
      [{ ipProtocol: "tcp", fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: "0.0.0.0/0" }], userIdGroupPairs: [] }],
      true,
      false,
    ],
    [
      "a port range with 80",
      [{ ipProtocol: "tcp", fromPort: 1, toPort: 1024, ipRanges: [{ cidrIp: "0.0.0.0/0" }], userIdGroupPairs: [] }],
      true,
      false,
    ],
    ["all traffic from anywhere", [{ ipProtocol: "-1", ipRanges: [{ cidrIp: "0.0.0.0/0" }], userIdGroupPairs: [] }], true, false],
    [
      "HTTP from the client's group",
      [{ ipProtocol: "tcp", fromPort: 80, toPort: 80, ipRanges: [], userIdGroupPairs: [{ groupId: "sg-00000000000000002" }] }],
      false,
      true,
    ],
    [
      "SSH from anywhere",
      [{ ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: [{ cidrIp: "0.0.0.0/0" }], userIdGroupPairs: [] }],
      false,
      false,
    ],
    [
      "UDP 80 from anywhere",
      [{ ipProtocol: "udp", fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: "0.0.0.0/0" }], userIdGroupPairs: [] }],
      false,
      false,
    ],
    [
      "HTTP from the VPC only",
      [{ ipProtocol: "tcp", fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: "172.31.0.0/16" }], userIdGroupPairs: [] }],
      false,
      false,
    ],
    ["no rules", [], false, false],
  ] as const)("%s: from 0.0.0.0/0 %s, from the client %s", async (_name, permissions, anywhere, clientGroup) => {
    const stub = host(blocked, [group("sg-00000000000000001", permissions), group("sg-00000000000000002", [])]);
    expect((await judgeSecurityGroupRule(stub, lookup, http, verdict)).passed).toBe(anywhere);
    expect((await judgeSecurityGroupRule(stub, lookup, fromClient, verdict)).passed).toBe(clientGroup);
    expect((await judgeSecurityGroupRule(stub, lookup, { ...http, allowed: false }, verdict)).passed).toBe(!anywhere);
  });

  it("name the groups it looked at", async () => {
    const stub = host(blocked, [group("sg-00000000000000001", [])]);
    expect((await judgeSecurityGroupRule(stub, lookup, http, verdict)).message).toBe(
      "No security group of the lab's instance (web) allows inbound TCP port 80 from 0.0.0.0/0 (its groups: default (sg-00000000000000001)).",
    );
  });
});
