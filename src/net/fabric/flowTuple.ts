/**
 * What the security groups and connection tracking decide a packet by, read straight from its
 * header. The switch forwards frames between guests without checking their TCP/UDP checksums:
 * the receiving guest does that, and the switch need not pay for it on every frame.
 */
import { IP_PROTOCOL_ICMP, IP_PROTOCOL_TCP, IP_PROTOCOL_UDP, type Ipv4Packet } from "../packets/ipv4.ts";

export interface PacketFlow {
  readonly protocol: number;
  readonly srcIp: number;
  readonly dstIp: number;
  /** TCP/UDP ports; for ICMP the type and code; 0 for other protocols. */
  readonly srcPort: number;
  readonly dstPort: number;
  readonly icmpType: number;
  readonly icmpCode: number;
  /** TCP flag bits as on the wire (FIN 1, SYN 2, RST 4, ACK 16); 0 otherwise. */
  readonly tcpFlags: number;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

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
