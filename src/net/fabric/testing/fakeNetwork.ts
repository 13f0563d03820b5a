/**
 * A small VPC for the switch's tests: two VPCs, three subnets, a default group and one that
 * admits nothing, and fake guests that send hand-built frames and keep what they are delivered.
 */
import { ManualScheduler } from "../../tcp/scheduler.ts";
import { BROADCAST_MAC, ipv4ToNumber, parseMac } from "../../packets/address.ts";
import { ARP_REQUEST, buildArp, parseArp, type ArpPacket } from "../../packets/arp.ts";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, buildEthernet, parseEthernet } from "../../packets/ethernet.ts";
import { buildIcmpEcho, parseIcmpEcho, type IcmpEcho } from "../../packets/icmp.ts";
import { buildTcp, parseTcp } from "../../packets/tcp.ts";
import type { TcpFlags, TcpSegment } from "../../packets/tcpSegment.ts";
import { IP_PROTOCOL_ICMP, IP_PROTOCOL_TCP, buildIpv4, parseIpv4, type Ipv4Packet } from "../../packets/ipv4.ts";
import type { InstanceMetadata, NetworkTopology, PortConfig, SecurityGroupConfig } from "../../topology.ts";
import { Fabric } from "../fabric.ts";

export const METADATA: InstanceMetadata = {
  instanceId: "i-0123456789abcdef0",
  instanceType: "t3.micro",
  imageId: "ami-0abcdef1234567890",
  availabilityZone: "us-east-1a",
  region: "us-east-1",
  launchTime: "2026-11-30T12:00:00Z",
  userData: "#!/bin/sh\necho hello",
  tags: [{ key: "Name", value: "web" }],
  securityGroupNames: ["default"],
  options: { httpEndpoint: "enabled", httpTokens: "optional", httpPutResponseHopLimit: 2, instanceMetadataTags: "enabled" },
};

export const DEFAULT_GROUP: SecurityGroupConfig = {
  groupId: "sg-default",
  vpcId: "vpc-a",
  ingress: [{ ruleId: "sgr-1", protocol: "-1", fromPort: -1, toPort: -1, peer: { groupId: "sg-default" } }],
  egress: [{ ruleId: "sgr-2", protocol: "-1", fromPort: -1, toPort: -1, peer: { cidr: "0.0.0.0/0" } }],
};

/** A new group: all egress, no ingress. */
export const WEB_GROUP: SecurityGroupConfig = {
  groupId: "sg-web",
  vpcId: "vpc-a",
  ingress: [],
  egress: [{ ruleId: "sgr-3", protocol: "-1", fromPort: -1, toPort: -1, peer: { cidr: "0.0.0.0/0" } }],
};

const OTHER_VPC_GROUP: SecurityGroupConfig = { ...DEFAULT_GROUP, groupId: "sg-other", vpcId: "vpc-b", ingress: [] };

export interface PortSpec {
  readonly eni: string;
  readonly mac: string;
  readonly ip: string;
  readonly subnetId: string;
  readonly vpcId?: string;
  readonly groups?: readonly string[];
  readonly publicIp?: string;
}

export const PORTS = {
  a: { eni: "eni-a", mac: "02:00:00:00:00:0a", ip: "172.31.0.10", subnetId: "subnet-a", publicIp: "54.0.0.10" },
  b: { eni: "eni-b", mac: "02:00:00:00:00:0b", ip: "172.31.0.11", subnetId: "subnet-a" },
  c: { eni: "eni-c", mac: "02:00:00:00:00:0c", ip: "172.31.16.12", subnetId: "subnet-b" },
  d: { eni: "eni-d", mac: "02:00:00:00:00:0d", ip: "172.31.0.13", subnetId: "subnet-a" },
  x: { eni: "eni-x", mac: "02:00:00:00:00:1a", ip: "10.0.0.10", subnetId: "subnet-x", vpcId: "vpc-b", groups: ["sg-other"] },
} as const satisfies Record<string, PortSpec>;

export function portConfig(spec: PortSpec): PortConfig {
  return {
    networkInterfaceId: spec.eni,
    instanceId: `i-${spec.eni.slice(4)}`,
    macAddress: spec.mac,
    privateIpAddress: spec.ip,
    publicIpAddress: spec.publicIp ?? null,
    vpcId: spec.vpcId ?? "vpc-a",
    subnetId: spec.subnetId,
    securityGroupIds: spec.groups ?? ["sg-default"],
    metadata: METADATA,
  };
}

export function topology(ports: readonly PortSpec[], groups: readonly SecurityGroupConfig[] = [DEFAULT_GROUP, WEB_GROUP]): NetworkTopology {
  return {
    region: "us-east-1",
    vpcs: [
      {
        vpcId: "vpc-a",
        cidrBlock: "172.31.0.0/16",
        subnets: [
          { subnetId: "subnet-a", cidrBlock: "172.31.0.0/20", availabilityZone: "us-east-1a", public: true },
          { subnetId: "subnet-b", cidrBlock: "172.31.16.0/20", availabilityZone: "us-east-1b", public: false },
        ],
      },
      {
        vpcId: "vpc-b",
        cidrBlock: "10.0.0.0/16",
        subnets: [{ subnetId: "subnet-x", cidrBlock: "10.0.0.0/24", availabilityZone: "us-east-1a", public: false }],
      },
    ],
    securityGroups: [...groups, OTHER_VPC_GROUP],
    ports: ports.map(portConfig),
  };
}

export function ip(text: string): number {
  const value = ipv4ToNumber(text);
  if (value === null) throw new Error(`bad address ${text}`);
  return value;
}

export function mac(text: string): Uint8Array {
  const value = parseMac(text);
  if (!value) throw new Error(`bad MAC ${text}`);
  return value;
}

/** A guest behind a port: sends frames as its NIC would and keeps the batches delivered to it. */
export class FakeGuest {
  readonly batches: Uint8Array[][] = [];
  readonly mac: Uint8Array;
  readonly ip: number;

  constructor(
    readonly fabric: Fabric,
    readonly spec: PortSpec,
    onFrames: (frames: Uint8Array[]) => void = () => undefined,
  ) {
    this.mac = mac(spec.mac);
    this.ip = ip(spec.ip);
    fabric.connect(spec.eni, (frames) => {
      this.batches.push(frames);
      onFrames(frames);
    });
  }

  get frames(): Uint8Array[] {
    return this.batches.flat();
  }

  /** IPv4 packets delivered so far, with the Ethernet header's addresses. */
  packets(): { dst: Uint8Array; src: Uint8Array; packet: Ipv4Packet }[] {
    return this.frames.flatMap((frame) => {
      const ethernet = parseEthernet(frame);
      const packet = ethernet?.etherType === ETHERTYPE_IPV4 ? parseIpv4(ethernet.payload) : null;
      return ethernet && packet ? [{ dst: ethernet.dst, src: ethernet.src, packet }] : [];
    });
  }

  arpReplies(): ArpPacket[] {
    return this.frames.flatMap((frame) => {
      const ethernet = parseEthernet(frame);
      const arp = ethernet?.etherType === ETHERTYPE_ARP ? parseArp(ethernet.payload) : null;
      return arp ? [arp] : [];
    });
  }

  echoes(): IcmpEcho[] {
    return this.packets().flatMap(({ packet }) => {
      const echo = packet.protocol === IP_PROTOCOL_ICMP ? parseIcmpEcho(packet.payload) : null;
      return echo ? [echo] : [];
    });
  }

  send(...frames: Uint8Array[]): void {
    this.fabric.receive(this.spec.eni, frames);
  }

  arpFor(target: string): Uint8Array {
    const request = buildArp({
      operation: ARP_REQUEST,
      senderMac: this.mac,
      senderIp: this.ip,
      targetMac: new Uint8Array(6),
      targetIp: ip(target),
    });
    return buildEthernet(BROADCAST_MAC, this.mac, ETHERTYPE_ARP, request);
  }

  /** An IPv4 frame from this guest (or from another address, to spoof one). */
  ipv4(dstMac: Uint8Array, dst: string, protocol: number, payload: Uint8Array, src = this.ip, srcMac = this.mac): Uint8Array {
    return buildEthernet(dstMac, srcMac, ETHERTYPE_IPV4, buildIpv4({ src, dst: ip(dst), protocol, payload }));
  }

  /** A TCP segment to dst:dstPort from srcPort, with the given flags. */
  tcp(
    dstMac: Uint8Array,
    dst: string,
    srcPort: number,
    dstPort: number,
    flags: Partial<TcpFlags>,
    payload = new Uint8Array(0),
  ): Uint8Array {
    const segment: TcpSegment = {
      srcIp: this.ip,
      dstIp: ip(dst),
      srcPort,
      dstPort,
      seq: 1000,
      ack: 0,
      flags: { syn: false, ack: false, fin: false, rst: false, psh: false, ...flags },
      window: 65535,
      payload,
    };
    return this.ipv4(dstMac, dst, IP_PROTOCOL_TCP, buildTcp(segment));
  }

  /** TCP segments delivered so far. */
  segments(): TcpSegment[] {
    return this.packets().flatMap(({ packet }) => {
      const segment = parseTcp(packet);
      return segment ? [segment] : [];
    });
  }

  ping(dstMac: Uint8Array, dst: string, sequence: number, src = this.ip): Uint8Array {
    const echo = buildIcmpEcho({ kind: "request", identifier: 7, sequence, data: new Uint8Array(56) });
    return this.ipv4(dstMac, dst, IP_PROTOCOL_ICMP, echo, src);
  }
}

/** 2026-11-30T12:00:00Z, less the manual clock's start. */
const WALL_CLOCK_START_MS = Date.UTC(2026, 10, 30, 12) - 1_000_000;

/** A fabric on a manual clock, configured with these ports, each with a fake guest connected. */
export function fabricWith<K extends keyof typeof PORTS>(
  names: readonly K[],
  groups?: readonly SecurityGroupConfig[],
  options: { readonly autoTurns?: boolean } = {},
) {
  const scheduler = new ManualScheduler(1_000_000);
  let turns: (() => void)[] = [];
  const fabric = new Fabric({
    scheduler,
    // Turns on the manual clock (as zero-delay timers) when the test moves time itself.
    ...(options.autoTurns ? {} : { scheduleTurn: (run: () => void) => void turns.push(run) }),
    wallClock: () => WALL_CLOCK_START_MS + scheduler.now(),
  });
  const specs = names.map((name) => PORTS[name]);
  fabric.configure(topology(specs, groups));
  const guests = Object.fromEntries(names.map((name) => [name, new FakeGuest(fabric, PORTS[name])])) as Record<K, FakeGuest>;
  /** Runs the turn the fabric asked for (not the ones that turn asks for). */
  const turn = (): void => {
    const due = turns;
    turns = [];
    for (const run of due) run();
  };
  return { scheduler, fabric, guests, turn };
}
