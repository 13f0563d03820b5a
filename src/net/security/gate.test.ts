import { describe, expect, it } from "vitest";
import type { NetworkTopology, PortConfig, SecurityGroupRuleConfig } from "../topology.ts";
import { SecurityGate } from "./gate.ts";
import { TCP_ACK, TCP_SYN, type FlowPacket } from "./packet.ts";

const A = 0xac1f000a; // 172.31.0.10, eni-a
const B = 0xac1f000b; // 172.31.0.11, eni-b
const BROWSER = 0xc6336401; // 198.51.100.1
const T0 = 1_764_547_200_000;

const SSH: SecurityGroupRuleConfig = { ruleId: "sgr-ssh", protocol: "tcp", fromPort: 22, toPort: 22, peer: { cidr: "0.0.0.0/0" } };
const ALL_OUT: SecurityGroupRuleConfig = { ruleId: "sgr-out", protocol: "-1", fromPort: -1, toPort: -1, peer: { cidr: "0.0.0.0/0" } };

function port(id: string, address: string): PortConfig {
  return {
    networkInterfaceId: id,
    instanceId: `i-${id}`,
    macAddress: "02:00:00:00:00:01",
    privateIpAddress: address,
    publicIpAddress: null,
    vpcId: "vpc-1",
    subnetId: "subnet-1",
    securityGroupIds: ["sg-web"],
    metadata: {} as PortConfig["metadata"],
  };
}

/** Both instances in sg-web, which allows all egress and the given ingress. */
function topology(ingress: SecurityGroupRuleConfig[]): NetworkTopology {
  return {
    region: "us-east-1",
    vpcs: [
      {
        vpcId: "vpc-1",
        cidrBlock: "172.31.0.0/16",
        subnets: [{ subnetId: "subnet-1", cidrBlock: "172.31.0.0/20", availabilityZone: "us-east-1a", public: true }],
      },
    ],
    securityGroups: [{ groupId: "sg-web", vpcId: "vpc-1", ingress, egress: [ALL_OUT] }],
    ports: [port("eni-a", "172.31.0.10"), port("eni-b", "172.31.0.11")],
  };
}

function tcp(srcIp: number, srcPort: number, dstIp: number, dstPort: number, tcpFlags: number): FlowPacket {
  return { protocol: 6, srcIp, srcPort, dstIp, dstPort, icmpType: 0, icmpCode: 0, tcpFlags };
}

describe("the security gate", () => {
  it("drops a connection the receiver's groups do not allow, and admits it once a rule does", () => {
    const gate = new SecurityGate();
    gate.configure(topology([]));
    expect(gate.admit("eni-a", "eni-b", tcp(A, 40000, B, 22, TCP_SYN), 60, T0)).toBe(false);
    gate.configure(topology([SSH]));
    expect(gate.admit("eni-a", "eni-b", tcp(A, 40000, B, 22, TCP_SYN), 60, T0 + 1000)).toBe(true);
  });

  it("keeps a tracked connection going after its rule is revoked, and refuses new ones", () => {
    const gate = new SecurityGate();
    gate.configure(topology([SSH]));
    expect(gate.admit("eni-a", "eni-b", tcp(A, 40000, B, 22, TCP_SYN), 60, T0)).toBe(true);
    expect(gate.admit("eni-b", "eni-a", tcp(B, 22, A, 40000, TCP_SYN | TCP_ACK), 60, T0 + 1)).toBe(true);
    gate.configure(topology([]));
    expect(gate.admit("eni-a", "eni-b", tcp(A, 40000, B, 22, TCP_ACK), 1500, T0 + 2)).toBe(true);
    expect(gate.admit("eni-b", "eni-a", tcp(B, 22, A, 40000, TCP_ACK), 60, T0 + 3)).toBe(true);
    expect(gate.admit("eni-a", "eni-b", tcp(A, 40001, B, 22, TCP_SYN), 60, T0 + 4)).toBe(false);
  });

  it("lets replies out that the sender's egress rules would not allow", () => {
    const gate = new SecurityGate();
    const locked = topology([SSH]);
    gate.configure({ ...locked, securityGroups: [{ groupId: "sg-web", vpcId: "vpc-1", ingress: [SSH], egress: [] }] });
    expect(gate.admit(null, "eni-b", tcp(BROWSER, 50000, B, 22, TCP_SYN), 60, T0)).toBe(true);
    expect(gate.admit("eni-b", null, tcp(B, 22, BROWSER, 50000, TCP_SYN | TCP_ACK), 60, T0 + 1)).toBe(true);
    expect(gate.admit("eni-b", null, tcp(B, 40000, BROWSER, 80, TCP_SYN), 60, T0 + 2)).toBe(false);
  });

  it("writes accepted and rejected flows to the flow logs of the interfaces that saw them", () => {
    const gate = new SecurityGate();
    gate.configure(topology([SSH]));
    gate.admit("eni-a", "eni-b", tcp(A, 40000, B, 22, TCP_SYN), 60, T0);
    gate.admit("eni-b", "eni-a", tcp(B, 22, A, 40000, TCP_SYN | TCP_ACK), 60, T0 + 1);
    gate.admit("eni-a", "eni-b", tcp(A, 40001, B, 80, TCP_SYN), 60, T0 + 2);
    const summary = (id: string) =>
      gate.flowLog(id).map((r) => `${r.srcAddr}:${r.srcPort}>${r.dstAddr}:${r.dstPort} ${r.packets} ${r.action}`);
    expect(summary("eni-a")).toEqual([
      "172.31.0.10:40000>172.31.0.11:22 1 ACCEPT",
      "172.31.0.11:22>172.31.0.10:40000 1 ACCEPT",
      "172.31.0.10:40001>172.31.0.11:80 1 ACCEPT",
    ]);
    expect(summary("eni-b")).toEqual([
      "172.31.0.10:40000>172.31.0.11:22 1 ACCEPT",
      "172.31.0.11:22>172.31.0.10:40000 1 ACCEPT",
      "172.31.0.10:40001>172.31.0.11:80 1 REJECT",
    ]);
  });

  it("drops a sender's new flows past its connection tracking allowance", () => {
    const gate = new SecurityGate({ conntrack: { perOpener: 1 } });
    gate.configure(topology([SSH]));
    expect(gate.admit("eni-a", "eni-b", tcp(A, 40000, B, 22, TCP_SYN), 60, T0)).toBe(true);
    expect(gate.admit("eni-a", "eni-b", tcp(A, 40001, B, 22, TCP_SYN), 60, T0 + 1)).toBe(false);
    expect(gate.admit("eni-b", "eni-a", tcp(B, 40000, A, 22, TCP_SYN), 60, T0 + 2)).toBe(true);
    expect(gate.flowLog("eni-a").map((r) => `${r.srcPort} ${r.action}`)).toEqual(["40000 ACCEPT", "40001 REJECT", "40000 ACCEPT"]);
  });

  it("leaves traffic to the metadata service out of groups and flow logs", () => {
    const gate = new SecurityGate();
    gate.configure({ ...topology([]), securityGroups: [{ groupId: "sg-web", vpcId: "vpc-1", ingress: [], egress: [] }] });
    expect(gate.admit("eni-a", null, tcp(A, 40000, 0xa9fea9fe, 80, TCP_SYN), 60, T0)).toBe(true);
    expect(gate.flowLog("eni-a")).toEqual([]);
  });

  it("forgets a terminated interface's flow log and flows", () => {
    const gate = new SecurityGate();
    gate.configure(topology([SSH]));
    gate.admit("eni-a", "eni-b", tcp(A, 40000, B, 22, TCP_SYN), 60, T0);
    gate.forget("eni-b", B);
    gate.configure(topology([]));
    expect(gate.flowLog("eni-b")).toEqual([]);
    expect(gate.admit("eni-b", "eni-a", tcp(B, 22, A, 40000, TCP_SYN | TCP_ACK), 60, T0 + 1)).toBe(false);
  });
});
