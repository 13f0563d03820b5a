/**
 * What the security groups and connection tracking decide a packet by, read straight from its
 * header. The switch forwards frames between guests without checking their TCP/UDP checksums:
 * the receiving guest does that, and the switch need not pay for it on every frame.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type FlowPacket } from "../security/packet.ts";
import type { TcpSegment } from "../packets/tcpSegment.ts";
import { IP_PROTOCOL_ICMP, IP_PROTOCOL_TCP, IP_PROTOCOL_UDP, type Ipv4Packet } from "../packets/ipv4.ts";

/** What the switch reads of a packet is what security groups, conntrack and flow logs take. */
export type PacketFlow = FlowPacket;

/** Null when the transport header is missing or cut short (a later fragment, a truncated packet). */
export function packetFlow(packet: Ipv4Packet): PacketFlow | null {
  if (packet.fragmentOffset !== 0) return null;
  const bytes = packet.payload;
  const protocol = packet.protocol;
  let srcPort = 0;
  let dstPort = 0;
  let icmpType = 0;
  let icmpCode = 0;
  let tcpFlags = 0;
  // One object shape for every packet, built once: this runs for every frame the switch carries.
  if (protocol === IP_PROTOCOL_TCP || protocol === IP_PROTOCOL_UDP) {
    if (bytes.length < (protocol === IP_PROTOCOL_TCP ? 20 : 8)) return null;
    srcPort = word(bytes, 0);
    dstPort = word(bytes, 2);
    if (protocol === IP_PROTOCOL_TCP) tcpFlags = (bytes[13] ?? 0) & 0x3f;
  } else if (protocol === IP_PROTOCOL_ICMP) {
    if (bytes.length < 8) return null;
    icmpType = bytes[0] ?? 0;
    icmpCode = bytes[1] ?? 0;
  }
  return { protocol, srcIp: packet.src, dstIp: packet.dst, srcPort, dstPort, icmpType, icmpCode, tcpFlags };
}

function word(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}

/** The flow of a segment the fabric's own TCP endpoint sends. */
export function segmentFlow(segment: TcpSegment): PacketFlow {
  const { flags } = segment;
  const tcpFlags = (flags.fin ? TCP_FIN : 0) | (flags.syn ? TCP_SYN : 0) | (flags.rst ? TCP_RST : 0) | (flags.ack ? TCP_ACK : 0);
  return {
    protocol: IP_PROTOCOL_TCP,
    srcIp: segment.srcIp,
    dstIp: segment.dstIp,
    srcPort: segment.srcPort,
    dstPort: segment.dstPort,
    icmpType: 0,
    icmpCode: 0,
    tcpFlags,
  };
}
