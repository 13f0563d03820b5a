/** Ethernet II frames as v86's NICs hand them over: no preamble, no FCS. */

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;

const HEADER_BYTES = 14;
/** The shortest Ethernet frame without its FCS; shorter ones are padded with zeros, as NICs do. */
const MIN_FRAME_BYTES = 60;

export interface EthernetFrame {
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly etherType: number;
  /** A view into the frame, not a copy; may carry trailing padding up to the 60-byte minimum. */
  readonly payload: Uint8Array;
}

export function parseEthernet(frame: Uint8Array): EthernetFrame | null {
  if (frame.length < HEADER_BYTES) return null;
  const etherType = ((frame[12] ?? 0) << 8) | (frame[13] ?? 0);
  // 802.1Q tags and 802.3 length fields are not something a VPC carries.
  if (etherType < 0x0600) return null;
  return {
    dst: frame.subarray(0, 6),
    src: frame.subarray(6, 12),
    etherType,
    payload: frame.subarray(HEADER_BYTES),
  };
}

export function buildEthernet(dst: Uint8Array, src: Uint8Array, etherType: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(Math.max(MIN_FRAME_BYTES, HEADER_BYTES + payload.length));
  frame.set(dst.subarray(0, 6), 0);
  frame.set(src.subarray(0, 6), 6);
  frame[12] = etherType >>> 8;
  frame[13] = etherType & 0xff;
  frame.set(payload, HEADER_BYTES);
  return frame;
}
