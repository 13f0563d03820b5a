/** TCP segments (RFC 9293) in and out of IPv4 packets, for the fabric's own TCP endpoints. */
import { IP_PROTOCOL_TCP, isFragment, transportChecksum, type Ipv4Packet } from "./ipv4.ts";
import type { TcpFlags, TcpSegment } from "./tcpSegment.ts";

const MIN_HEADER_BYTES = 20;
const OPTION_END = 0;
const OPTION_NOP = 1;
const OPTION_MSS = 2;

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;

/** The MSS option's value, undefined without one, null when the options are malformed. */
function readMss(options: Uint8Array): number | undefined | null {
  let mss: number | undefined;
  let i = 0;
  while (i < options.length) {
    const kind = options[i] ?? OPTION_END;
    if (kind === OPTION_END) break;
    if (kind === OPTION_NOP) {
      i += 1;
      continue;
    }
    const length = options[i + 1] ?? 0;
    if (length < 2 || i + length > options.length) return null;
    if (kind === OPTION_MSS) {
      if (length !== 4) return null;
      mss = ((options[i + 2] ?? 0) << 8) | (options[i + 3] ?? 0);
    }
    i += length;
  }
  return mss;
}

/**
 * The TCP segment an IPv4 packet carries, or null if it is not TCP, is a fragment, is truncated,
 * or its checksum is wrong. Options other than MSS (window scale, SACK, timestamps) are skipped,
 * so an endpoint built on this never agrees to them.
 */
export function parseTcp(packet: Ipv4Packet): TcpSegment | null {
  if (packet.protocol !== IP_PROTOCOL_TCP || isFragment(packet)) return null;
  const bytes = packet.payload;
  if (bytes.length < MIN_HEADER_BYTES) return null;
  const headerLength = ((bytes[12] ?? 0) >>> 4) * 4;
  if (headerLength < MIN_HEADER_BYTES || headerLength > bytes.length) return null;
  if (transportChecksum(packet.src, packet.dst, IP_PROTOCOL_TCP, bytes) !== 0) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, MIN_HEADER_BYTES);
  const flagBits = bytes[13] ?? 0;
  const flags: TcpFlags = {
    syn: (flagBits & SYN) !== 0,
    ack: (flagBits & ACK) !== 0,
    fin: (flagBits & FIN) !== 0,
    rst: (flagBits & RST) !== 0,
    psh: (flagBits & PSH) !== 0,
  };
  const mss = readMss(bytes.subarray(MIN_HEADER_BYTES, headerLength));
  if (mss === null) return null;
  const segment = {
    srcIp: packet.src,
    dstIp: packet.dst,
    srcPort: view.getUint16(0),
    dstPort: view.getUint16(2),
    seq: view.getUint32(4),
    ack: view.getUint32(8),
    flags,
    window: view.getUint16(14),
    payload: bytes.subarray(headerLength),
  };
  return mss !== undefined && flags.syn ? { ...segment, mss } : segment;
}

/** The TCP header (with the MSS option on a SYN that names one) and payload: the IPv4 payload. */
export function buildTcp(segment: TcpSegment): Uint8Array {
  const withMss = segment.flags.syn && segment.mss !== undefined;
  const headerLength = MIN_HEADER_BYTES + (withMss ? 4 : 0);
  const bytes = new Uint8Array(headerLength + segment.payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, segment.srcPort);
  view.setUint16(2, segment.dstPort);
  view.setUint32(4, segment.seq >>> 0);
  view.setUint32(8, segment.ack >>> 0);
  bytes[12] = (headerLength / 4) << 4;
  const { flags } = segment;
  bytes[13] = (flags.fin ? FIN : 0) | (flags.syn ? SYN : 0) | (flags.rst ? RST : 0) | (flags.psh ? PSH : 0) | (flags.ack ? ACK : 0);
  view.setUint16(14, Math.min(Math.max(0, Math.floor(segment.window)), 0xffff));
  if (withMss) {
    bytes[20] = OPTION_MSS;
    bytes[21] = 4;
    view.setUint16(22, segment.mss ?? 0);
  }
  bytes.set(segment.payload, headerLength);
  view.setUint16(16, transportChecksum(segment.srcIp, segment.dstIp, IP_PROTOCOL_TCP, bytes));
  return bytes;
}
