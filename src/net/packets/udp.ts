/** UDP datagrams (RFC 768), with the pseudo-header checksum. */
import { IP_PROTOCOL_UDP, isFragment, transportChecksum, type Ipv4Packet } from "./ipv4.ts";

const HEADER_BYTES = 8;

export interface UdpDatagram {
  readonly srcIp: number;
  readonly dstIp: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

/**
 * The UDP datagram an IPv4 packet carries, or null if it is not UDP, is a fragment, is truncated,
 * or its checksum is wrong (a zero checksum means the sender did not compute one).
 */
export function parseUdp(packet: Ipv4Packet): UdpDatagram | null {
  if (packet.protocol !== IP_PROTOCOL_UDP) return null;
  if (isFragment(packet)) return null;
  const bytes = packet.payload;
  if (bytes.length < HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const length = view.getUint16(4);
  if (length < HEADER_BYTES || length > bytes.length) return null;
  const datagram = bytes.subarray(0, length);
  if (view.getUint16(6) !== 0) {
    if (transportChecksum(packet.src, packet.dst, IP_PROTOCOL_UDP, datagram) !== 0) return null;
  }
  return {
    srcIp: packet.src,
    dstIp: packet.dst,
    srcPort: view.getUint16(0),
    dstPort: view.getUint16(2),
    payload: datagram.subarray(HEADER_BYTES),
  };
}

/** The UDP header and payload (the IPv4 payload), with its checksum over the pseudo-header. */
export function buildUdp(datagram: UdpDatagram): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + datagram.payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, datagram.srcPort);
  view.setUint16(2, datagram.dstPort);
  view.setUint16(4, bytes.length);
  bytes.set(datagram.payload, HEADER_BYTES);
  const checksum = transportChecksum(datagram.srcIp, datagram.dstIp, IP_PROTOCOL_UDP, bytes);
  // A computed zero is sent as all ones: zero on the wire means "no checksum".
  view.setUint16(6, checksum === 0 ? 0xffff : checksum);
  return bytes;
}
