/**
 * One frame from a port, from bytes to its fate: answered by the fabric's services, forwarded to
 * another port, or dropped and counted. The source/destination check comes first (a frame must
 * carry its port's MAC and private IP), then where it is going: broadcasts reach only the
 * fabric's services, never another instance; unicast IPv4 is routed inside the VPC.
 */
import { isGroupMac, macEquals } from "../packets/address.ts";
import { parseArp } from "../packets/arp.ts";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet, type EthernetFrame } from "../packets/ethernet.ts";
import { IP_PROTOCOL_UDP, type Ipv4Packet, parseIpv4 } from "../packets/ipv4.ts";
import { FABRIC_MAC, LIMITED_BROADCAST_IP } from "./addresses.ts";
import { answerArp } from "./arpService.ts";
import type { Counters } from "./counters.ts";
import { packetFlow, type PacketFlow } from "./flowTuple.ts";
import type { PortView } from "./network.ts";

const DHCP_SERVER_PORT = 67;

/** What the switch hands a packet to when the fabric itself is its destination. */
export interface FabricServices {
  /** Whether the packet is for one of them (and, if so, it has been handled). */
  handle(port: PortView, packet: Ipv4Packet, flow: PacketFlow): boolean;
}

/** Decides, per packet between a port and another (or the internet), what security groups allow. */
export interface FlowGate {
  /** `from` null: the internet (the browser). Records the flow either way. */
  admit(from: PortView | null, to: PortView | null, flow: PacketFlow, bytes: number): boolean;
}

export interface SwitchContext {
  readonly counters: Counters;
  readonly services: FabricServices;
  readonly gate: FlowGate;
  /** Queues a frame for a port; false if it could not (counted by the caller's reason). */
  send(port: PortView, frame: Uint8Array): void;
}

export function switchFrame(context: SwitchContext, port: PortView, frame: Uint8Array): void {
  const ethernet = parseEthernet(frame);
  if (!ethernet) return context.counters.drop("unparseable");
  if (!macEquals(ethernet.src, port.mac)) return context.counters.drop("spoofed");
  if (ethernet.etherType === ETHERTYPE_ARP) return switchArp(context, port, ethernet);
  if (ethernet.etherType === ETHERTYPE_IPV4) return switchIpv4(context, port, ethernet, frame);
  // IPv6, LLDP and the like: a VPC here carries IPv4 only.
  context.counters.drop("noRoute");
}

function switchArp(context: SwitchContext, port: PortView, ethernet: EthernetFrame): void {
  const arp = parseArp(ethernet.payload);
  if (!arp) return context.counters.drop("unparseable");
  // A probe (RFC 5227) comes from 0.0.0.0 before the address is in use.
  if (!macEquals(arp.senderMac, port.mac) || (arp.senderIp !== port.ip && arp.senderIp !== 0)) {
    return context.counters.drop("spoofed");
  }
  const reply = answerArp(port, arp);
  if (reply) context.send(port, reply);
}

function switchIpv4(context: SwitchContext, port: PortView, ethernet: EthernetFrame, frame: Uint8Array): void {
  const packet = parseIpv4(ethernet.payload);
  if (!packet) return context.counters.drop("unparseable");
  const flow = packetFlow(packet);
  if (!flow) return context.counters.drop(packet.fragmentOffset !== 0 ? "noRoute" : "unparseable");
  if (packet.src !== port.ip && !isDhcpBeforeLease(packet, flow)) return context.counters.drop("spoofed");
  if (context.services.handle(port, packet, flow)) return;
  const broadcast = isGroupMac(ethernet.dst) || packet.dst === LIMITED_BROADCAST_IP || packet.dst === subnetBroadcast(port);
  // Broadcasts reach only the fabric's services: nothing floods to other instances.
  if (broadcast) return context.counters.drop("noRoute");
  const destination = port.vpc.portsByIp.get(packet.dst);
  if (!destination || destination === port) return context.counters.drop("noRoute");
  if (!context.gate.admit(port, destination, flow, packet.bytes.length)) return context.counters.drop("securityGroup");
  // The frame was transferred to the fabric, so it is rewritten in place: addressed to the
  // destination's MAC, and from the router's when it crosses subnets, as a VPC router does.
  frame.set(destination.mac, 0);
  frame.set(destination.subnet === port.subnet ? port.mac : FABRIC_MAC, 6);
  context.send(destination, frame);
}

/** DHCP's DISCOVER and REQUEST come from 0.0.0.0 before the guest has its address. */
function isDhcpBeforeLease(packet: Ipv4Packet, flow: PacketFlow): boolean {
  return packet.src === 0 && flow.protocol === IP_PROTOCOL_UDP && flow.dstPort === DHCP_SERVER_PORT;
}

function subnetBroadcast(port: PortView): number {
  return port.subnet.cidr.base + 2 ** (32 - port.subnet.cidr.prefix) - 1;
}
