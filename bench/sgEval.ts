/**
 * Security-group cost per frame: what the switch pays in SecurityGate.admit (connection tracking,
 * the rules for a new flow, the flow logs) for a mix of frames between two instances whose groups
 * hold 100 rules. Most frames belong to tracked flows; one in ten opens a new flow that scans the
 * rules, half of those to be refused after scanning all of them.
 */
import { SecurityGate } from "../src/net/security/gate.ts";
import type { FlowPacket } from "../src/net/security/packet.ts";
import type { NetworkTopology, PortConfig, SecurityGroupConfig, SecurityGroupRuleConfig } from "../src/net/topology.ts";
import { median, report, round } from "./stats.ts";

const RULES = 100;
const GROUPS_PER_SIDE = 5;
const FRAMES_PER_RUN = 200_000;
const NEW_FLOW_EVERY = 10;
const TRACKED_FLOWS = 64;
const A = 0xac1f000a;
const B = 0xac1f000b;
const FRAME_INTERVAL_MS = 0.01;
const T0 = 1_764_547_200_000;

/** Rules that mostly do not match the benchmark's flows, so a new flow scans nearly all of them. */
function filler(index: number): SecurityGroupRuleConfig {
  const ruleId = `sgr-${index}`;
  switch (index % 5) {
    case 0:
      return { ruleId, protocol: "tcp", fromPort: 1000 + index, toPort: 1000 + index, peer: { cidr: "10.0.0.0/8" } };
    case 1:
      return { ruleId, protocol: "tcp", fromPort: 2000 + index * 10, toPort: 2009 + index * 10, peer: { cidr: "172.31.0.0/16" } };
    case 2:
      return { ruleId, protocol: "udp", fromPort: 5000 + index, toPort: 5000 + index, peer: { cidr: `192.168.${index}.0/24` } };
    case 3:
      return { ruleId, protocol: "icmp", fromPort: 13, toPort: -1, peer: { cidr: "0.0.0.0/0" } };
    default:
      return { ruleId, protocol: "tcp", fromPort: 3000 + index, toPort: 3000 + index, peer: { groupId: "sg-elsewhere" } };
  }
}

function groups(prefix: string, direction: "ingress" | "egress", lastRule: SecurityGroupRuleConfig): SecurityGroupConfig[] {
  const perGroup = RULES / 2 / GROUPS_PER_SIDE;
  return Array.from({ length: GROUPS_PER_SIDE }, (_, g) => {
    const rules = Array.from({ length: perGroup }, (_, r) => filler(g * perGroup + r + (direction === "egress" ? RULES / 2 : 0)));
    // The rule that admits the benchmark's flows comes last of the last group.
    if (g === GROUPS_PER_SIDE - 1) rules[perGroup - 1] = lastRule;
    const config: SecurityGroupConfig = { groupId: `${prefix}-${g}`, vpcId: "vpc-bench", ingress: [], egress: [] };
    return { ...config, [direction]: rules };
  });
}

function port(id: string, address: string, groupIds: string[]): PortConfig {
  return {
    networkInterfaceId: id,
    instanceId: `i-${id}`,
    macAddress: "02:00:00:00:00:01",
    privateIpAddress: address,
    publicIpAddress: null,
    vpcId: "vpc-bench",
    subnetId: "subnet-bench",
    securityGroupIds: groupIds,
    metadata: {} as PortConfig["metadata"],
  };
}

function topology(): NetworkTopology {
  const egress = groups("sg-a", "egress", { ruleId: "sgr-out", protocol: "tcp", fromPort: 80, toPort: 80, peer: { groupId: "sg-b-0" } });
  const ingress = groups("sg-b", "ingress", {
    ruleId: "sgr-in",
    protocol: "tcp",
    fromPort: 80,
    toPort: 80,
    peer: { cidr: "172.31.0.0/20" },
  });
  return {
    region: "us-east-1",
    vpcs: [
      {
        vpcId: "vpc-bench",
        cidrBlock: "172.31.0.0/16",
        subnets: [{ subnetId: "subnet-bench", cidrBlock: "172.31.0.0/20", availabilityZone: "us-east-1a", public: false }],
      },
    ],
    securityGroups: [...egress, ...ingress],
    ports: [
      port(
        "eni-a",
        "172.31.0.10",
        egress.map((g) => g.groupId),
      ),
      port(
        "eni-b",
        "172.31.0.11",
        ingress.map((g) => g.groupId),
      ),
    ],
  };
}

function tcp(srcIp: number, srcPort: number, dstIp: number, dstPort: number, tcpFlags: number): FlowPacket {
  return { protocol: 6, srcIp, srcPort, dstIp, dstPort, icmpType: 0, icmpCode: 0, tcpFlags };
}

interface Frame {
  readonly from: string;
  readonly to: string;
  readonly packet: FlowPacket;
}

/** The frames of one run: tracked flows' data both ways, and every tenth frame a new flow's SYN. */
function frames(run: number): Frame[] {
  const list: Frame[] = [];
  let nextPort = 10_000 + run * FRAMES_PER_RUN;
  for (let i = 0; i < FRAMES_PER_RUN; i++) {
    if (i % NEW_FLOW_EVERY === 0) {
      // Half of the new flows go to port 81, which no rule allows: refused after scanning all of them.
      const dstPort = (i / NEW_FLOW_EVERY) % 2 === 0 ? 80 : 81;
      list.push({ from: "eni-a", to: "eni-b", packet: tcp(A, (nextPort++ % 55_000) + 10_000, B, dstPort, 0x02) });
    } else {
      const flow = 40_000 + (i % TRACKED_FLOWS);
      list.push(
        i % 2 === 0
          ? { from: "eni-a", to: "eni-b", packet: tcp(A, flow, B, 80, 0x10) }
          : { from: "eni-b", to: "eni-a", packet: tcp(B, 80, A, flow, 0x10) },
      );
    }
  }
  return list;
}

function run(gate: SecurityGate, list: readonly Frame[], startMs: number): number {
  let admitted = 0;
  const start = performance.now();
  for (let i = 0; i < list.length; i++) {
    const frame = list[i] as Frame;
    if (gate.admit(frame.from, frame.to, frame.packet, 1500, startMs + i * FRAME_INTERVAL_MS)) admitted += 1;
  }
  const elapsedMs = performance.now() - start;
  if (admitted === 0) throw new Error("the benchmark's flows were all refused: its rules are wrong");
  return (elapsedMs * 1e6) / list.length;
}

export function benchSgEval(runs: number): void {
  const gate = new SecurityGate();
  gate.configure(topology());
  // Open the tracked flows, as their handshakes would have.
  for (let f = 0; f < TRACKED_FLOWS; f++) {
    gate.admit("eni-a", "eni-b", tcp(A, 40_000 + f, B, 80, 0x02), 60, T0);
    gate.admit("eni-b", "eni-a", tcp(B, 80, A, 40_000 + f, 0x12), 60, T0);
  }
  const timeMs = () => T0 + 1000;
  run(gate, frames(0), timeMs());
  const samples: number[] = [];
  for (let r = 1; r <= Math.max(5, runs); r++) samples.push(run(gate, frames(r), timeMs() + r * FRAMES_PER_RUN * FRAME_INTERVAL_MS));
  report({ bench: "sg-eval", rules: RULES, nsPerFrame: round(median(samples)) });
}
