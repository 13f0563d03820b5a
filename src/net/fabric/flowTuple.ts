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
  const bytes = packet.payload;
  const base = { protocol: packet.protocol, srcIp: packet.src, dstIp: packet.dst };
  const ports = { srcPort: 0, dstPort: 0, icmpType: 0, icmpCode: 0, tcpFlags: 0 };
  if (packet.fragmentOffset !== 0) return null;
  switch (packet.protocol) {
    case IP_PROTOCOL_TCP:
      if (bytes.length < 20) return null;
      return { ...base, ...ports, srcPort: word(bytes, 0), dstPort: word(bytes, 2), tcpFlags: (bytes[13] ?? 0) & 0x3f };
    case IP_PROTOCOL_UDP:
      if (bytes.length < 8) return null;
      return { ...base, ...ports, srcPort: word(bytes, 0), dstPort: word(bytes, 2) };
    case IP_PROTOCOL_ICMP:
      if (bytes.length < 8) return null;
      return { ...base, ...ports, icmpType: bytes[0] ?? 0, icmpCode: bytes[1] ?? 0 };
    default:
      return { ...base, ...ports };
  }
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
