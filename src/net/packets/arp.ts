/** ARP for IPv4 over Ethernet (RFC 826): the only kind a VPC answers. */

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

const ARP_BYTES = 28;

export interface ArpPacket {
  readonly operation: number;
  readonly senderMac: Uint8Array;
  readonly senderIp: number;
  readonly targetMac: Uint8Array;
  readonly targetIp: number;
}

/** Parses an ARP packet (the Ethernet payload); null unless it is Ethernet/IPv4 ARP. */
export function parseArp(bytes: Uint8Array): ArpPacket | null {
  if (bytes.length < ARP_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, ARP_BYTES);
  const hardwareType = view.getUint16(0);
  const protocolType = view.getUint16(2);
  if (hardwareType !== 1 || protocolType !== 0x0800) return null;
  if (bytes[4] !== 6 || bytes[5] !== 4) return null;
  return {
    operation: view.getUint16(6),
    senderMac: bytes.slice(8, 14),
    senderIp: view.getUint32(14),
    targetMac: bytes.slice(18, 24),
    targetIp: view.getUint32(24),
  };
}

/** The reply to `request` saying that its target IP is at `answerMac` (the Ethernet payload). */
export function buildArpReply(request: ArpPacket, answerMac: Uint8Array): Uint8Array {
  return buildArp({
    operation: ARP_REPLY,
    senderMac: answerMac,
    senderIp: request.targetIp,
    targetMac: request.senderMac,
    targetIp: request.senderIp,
  });
}

export function buildArp(packet: ArpPacket): Uint8Array {
  const bytes = new Uint8Array(ARP_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 1);
  view.setUint16(2, 0x0800);
  bytes[4] = 6;
  bytes[5] = 4;
  view.setUint16(6, packet.operation);
  bytes.set(packet.senderMac.subarray(0, 6), 8);
  view.setUint32(14, packet.senderIp);
  bytes.set(packet.targetMac.subarray(0, 6), 18);
  view.setUint32(24, packet.targetIp);
  return bytes;
}
