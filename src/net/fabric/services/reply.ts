/** A frame from one of the fabric's own addresses to a port. */
import { ETHERTYPE_IPV4, buildEthernet } from "../../packets/ethernet.ts";
import { IP_PROTOCOL_UDP, buildIpv4 } from "../../packets/ipv4.ts";
import { buildUdp } from "../../packets/udp.ts";
import { FABRIC_MAC } from "../addresses.ts";

export interface UdpReply {
  readonly dstMac: Uint8Array;
  readonly srcIp: number;
  readonly dstIp: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

export function udpFrame(reply: UdpReply): Uint8Array {
  const udp = buildUdp({ srcIp: reply.srcIp, dstIp: reply.dstIp, srcPort: reply.srcPort, dstPort: reply.dstPort, payload: reply.payload });
  return ipv4Frame(reply.dstMac, buildIpv4({ src: reply.srcIp, dst: reply.dstIp, protocol: IP_PROTOCOL_UDP, payload: udp }));
}

export function ipv4Frame(dstMac: Uint8Array, packet: Uint8Array): Uint8Array {
  return buildEthernet(dstMac, FABRIC_MAC, ETHERTYPE_IPV4, packet);
}
