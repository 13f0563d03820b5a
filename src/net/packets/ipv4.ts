/** IPv4 packets (RFC 791) and the Internet checksum (RFC 1071) that IPv4, ICMP, UDP and TCP share. */

export const IP_PROTOCOL_ICMP = 1;
export const IP_PROTOCOL_TCP = 6;
export const IP_PROTOCOL_UDP = 17;

const MIN_HEADER_BYTES = 20;
const DEFAULT_TTL = 64;
const FLAG_DONT_FRAGMENT = 0x4000;
const FLAG_MORE_FRAGMENTS = 0x2000;

export interface Ipv4Packet {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  readonly ttl: number;
  readonly id: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** In bytes (the header field counts 8-byte units). */
  readonly fragmentOffset: number;
  readonly headerLength: number;
  /** The whole packet up to its total length: what an ICMP error quotes. A view, not a copy. */
  readonly bytes: Uint8Array;
  /** A view up to the total length: trailing Ethernet padding is not part of it. */
  readonly payload: Uint8Array;
}

/** Sums 16-bit big-endian words into a 32-bit accumulator (folded later), odd last byte padded. */
function sumWords(bytes: Uint8Array, initial: number): number {
  let sum = initial;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  if (even !== bytes.length) sum += (bytes[even] ?? 0) << 8;
  return sum;
}

function fold(sum: number): number {
  let folded = sum;
  while (folded > 0xffff) folded = (folded & 0xffff) + Math.floor(folded / 0x10000);
  return ~folded & 0xffff;
}

/** The ones' complement of the ones' complement sum; over data carrying its checksum it is 0. */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return fold(sumWords(bytes, initial));
}

/** The TCP/UDP checksum: over the pseudo-header (addresses, protocol, length) and the segment. */
export function transportChecksum(src: number, dst: number, protocol: number, segment: Uint8Array): number {
  const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + segment.length;
  return internetChecksum(segment, pseudo);
}

/** Null for anything that is not a well-formed IPv4 packet with a correct header checksum. */
export function parseIpv4(bytes: Uint8Array): Ipv4Packet | null {
  if (bytes.length < MIN_HEADER_BYTES) return null;
  const first = bytes[0] ?? 0;
  if (first >>> 4 !== 4) return null;
  const headerLength = (first & 0x0f) * 4;
  if (headerLength < MIN_HEADER_BYTES || bytes.length < headerLength) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerLength);
  const totalLength = view.getUint16(2);
  if (totalLength < headerLength || totalLength > bytes.length) return null;
  if (internetChecksum(bytes.subarray(0, headerLength)) !== 0) return null;
  const flagsAndOffset = view.getUint16(6);
  const packet = bytes.subarray(0, totalLength);
  return {
    src: view.getUint32(12),
    dst: view.getUint32(16),
    protocol: bytes[9] ?? 0,
    ttl: bytes[8] ?? 0,
    id: view.getUint16(4),
    dontFragment: (flagsAndOffset & FLAG_DONT_FRAGMENT) !== 0,
    moreFragments: (flagsAndOffset & FLAG_MORE_FRAGMENTS) !== 0,
    fragmentOffset: (flagsAndOffset & 0x1fff) * 8,
    headerLength,
    bytes: packet,
    payload: packet.subarray(headerLength),
  };
}

/** A packet that is a piece of a larger one: its transport header may be elsewhere or absent. */
export function isFragment(packet: Ipv4Packet): boolean {
  return packet.moreFragments || packet.fragmentOffset !== 0;
}

export interface Ipv4Spec {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  readonly payload: Uint8Array;
  /** 64 unless told, as Linux sends. */
  readonly ttl?: number;
  /** 0 unless told: with Don't Fragment set, Linux sends 0 too. */
  readonly id?: number;
  /** True unless told: the fabric never fragments, so it says so. */
  readonly dontFragment?: boolean;
  /** The DSCP/ECN byte; 0 unless told. */
  readonly tos?: number;
}

/** A 20-byte header (no options) and the payload, with the header checksum. */
export function buildIpv4(spec: Ipv4Spec): Uint8Array {
  const bytes = new Uint8Array(MIN_HEADER_BYTES + spec.payload.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x45;
  bytes[1] = spec.tos ?? 0;
  view.setUint16(2, bytes.length);
  view.setUint16(4, spec.id ?? 0);
  view.setUint16(6, (spec.dontFragment ?? true) ? FLAG_DONT_FRAGMENT : 0);
  bytes[8] = spec.ttl ?? DEFAULT_TTL;
  bytes[9] = spec.protocol;
  view.setUint32(12, spec.src);
  view.setUint32(16, spec.dst);
  view.setUint16(10, internetChecksum(bytes.subarray(0, MIN_HEADER_BYTES)));
  bytes.set(spec.payload, MIN_HEADER_BYTES);
  return bytes;
}
