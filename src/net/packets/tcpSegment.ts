/**
 * A TCP segment as the fabric's own TCP endpoints see it: parsed out of an IPv4 packet (the IP
 * addresses come along, since a connection is named by both ends), or to be built into one.
 * Addresses are IPv4 numbers (unsigned 32-bit); sequence numbers are unsigned 32-bit.
 */
export interface TcpSegment {
  readonly srcIp: number;
  readonly dstIp: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: TcpFlags;
  readonly window: number;
  /** The MSS option, on a SYN only. */
  readonly mss?: number;
  readonly payload: Uint8Array;
}

export interface TcpFlags {
  readonly syn: boolean;
  readonly ack: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
}
