/** ICMP (RFC 792): echo for ping, destination unreachable for what the fabric refuses. */
import { internetChecksum, type Ipv4Packet } from "./ipv4.ts";

const ICMP_ECHO_REPLY = 0;
export const ICMP_DESTINATION_UNREACHABLE = 3;
const ICMP_ECHO_REQUEST = 8;

/** The destination unreachable code the fabric sends (for a closed port of its own services). */
export const UNREACHABLE_PORT = 3;

const HEADER_BYTES = 8;
/** RFC 792 quotes the header and 64 bits of data; Linux quotes more, but the minimum is enough. */
const QUOTED_DATA_BYTES = 8;

export interface IcmpMessage {
  readonly type: number;
  readonly code: number;
  /** The 4 bytes after the checksum (identifier and sequence for echo), then the data. */
  readonly rest: Uint8Array;
}

export interface IcmpEcho {
  readonly kind: "request" | "reply";
  readonly identifier: number;
  readonly sequence: number;
  readonly data: Uint8Array;
}

/** Parses an ICMP message (the IPv4 payload); null if truncated or its checksum is wrong. */
export function parseIcmp(bytes: Uint8Array): IcmpMessage | null {
  if (bytes.length < HEADER_BYTES) return null;
  if (internetChecksum(bytes) !== 0) return null;
  return { type: bytes[0] ?? 0, code: bytes[1] ?? 0, rest: bytes.subarray(4) };
}

/** An echo request or reply, or null for anything else. */
export function parseIcmpEcho(bytes: Uint8Array): IcmpEcho | null {
  const message = parseIcmp(bytes);
  if (message === null || message.code !== 0) return null;
  if (message.type !== ICMP_ECHO_REQUEST && message.type !== ICMP_ECHO_REPLY) return null;
  const rest = message.rest;
  return {
    kind: message.type === ICMP_ECHO_REQUEST ? "request" : "reply",
    identifier: ((rest[0] ?? 0) << 8) | (rest[1] ?? 0),
    sequence: ((rest[2] ?? 0) << 8) | (rest[3] ?? 0),
    data: rest.subarray(4),
  };
}

function buildIcmp(type: number, code: number, rest: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(4 + rest.length);
  bytes[0] = type;
  bytes[1] = code;
  bytes.set(rest, 4);
  const checksum = internetChecksum(bytes);
  bytes[2] = checksum >>> 8;
  bytes[3] = checksum & 0xff;
  return bytes;
}

export function buildIcmpEcho(echo: IcmpEcho): Uint8Array {
  const rest = new Uint8Array(4 + echo.data.length);
  rest[0] = echo.identifier >>> 8;
  rest[1] = echo.identifier & 0xff;
  rest[2] = echo.sequence >>> 8;
  rest[3] = echo.sequence & 0xff;
  rest.set(echo.data, 4);
  return buildIcmp(echo.kind === "request" ? ICMP_ECHO_REQUEST : ICMP_ECHO_REPLY, 0, rest);
}

/** The reply a host sends to `request`: same identifier, sequence and data. */
export function buildIcmpEchoReply(request: IcmpEcho): Uint8Array {
  return buildIcmpEcho({ ...request, kind: "reply" });
}

/** A destination unreachable message quoting the offending packet's header and first 8 data bytes. */
export function buildIcmpUnreachable(code: number, offending: Ipv4Packet): Uint8Array {
  const quoted = offending.bytes.subarray(0, offending.headerLength + QUOTED_DATA_BYTES);
  const rest = new Uint8Array(4 + quoted.length);
  rest.set(quoted, 4);
  return buildIcmp(ICMP_DESTINATION_UNREACHABLE, code, rest);
}
