/** Building the segments a connection (or the stack, for a reset) sends. */
import type { TcpFlags, TcpSegment } from "../packets/tcpSegment.ts";

/** A connection's two ends, as numbers. */
export interface Endpoints {
  readonly localIp: number;
  readonly localPort: number;
  readonly remoteIp: number;
  readonly remotePort: number;
}

export interface SegmentFields {
  readonly seq: number;
  /** Set only with the ACK flag. */
  readonly ack: number;
  readonly flags: Partial<TcpFlags>;
  readonly window: number;
  readonly payload?: Uint8Array;
  readonly mss?: number;
}

const EMPTY = new Uint8Array(0);

/** A segment from the local end to the remote one; flags left out are off. */
export function segmentFrom(ends: Endpoints, fields: SegmentFields): TcpSegment {
  const { flags } = fields;
  return {
    srcIp: ends.localIp,
    dstIp: ends.remoteIp,
    srcPort: ends.localPort,
    dstPort: ends.remotePort,
    seq: fields.seq,
    ack: flags.ack ? fields.ack : 0,
    flags: { syn: flags.syn ?? false, ack: flags.ack ?? false, fin: flags.fin ?? false, rst: flags.rst ?? false, psh: flags.psh ?? false },
    window: fields.window,
    payload: fields.payload ?? EMPTY,
    ...(fields.mss === undefined ? {} : { mss: fields.mss }),
  };
}

/** "172.31.0.10", for messages a person reads. */
export function dottedIp(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
}
