/**
 * What security groups, connection tracking and flow logs need to know of one IPv4 packet, read
 * from its headers by the switch. The switch's own flow type has these fields, so it is passed as is.
 */
export interface FlowPacket {
  /** IANA protocol number: 1 icmp, 6 tcp, 17 udp, anything else. */
  readonly protocol: number;
  readonly srcIp: number;
  readonly dstIp: number;
  /**
   * TCP/UDP ports. For an ICMP echo or echo reply the switch may put the echo identifier in both,
   * so that connection tracking tells pings apart (EC2 tracks ICMP with its "port information");
   * rules and flow logs ignore ports for protocols other than TCP and UDP. 0 otherwise.
   */
  readonly srcPort: number;
  readonly dstPort: number;
  /** For ICMP; ignored otherwise. */
  readonly icmpType: number;
  readonly icmpCode: number;
  /** TCP flag bits as on the wire (FIN 1, SYN 2, RST 4, ACK 16); 0 otherwise. */
  readonly tcpFlags: number;
}

export const PROTOCOL_ICMP = 1;
export const PROTOCOL_TCP = 6;
export const PROTOCOL_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;
