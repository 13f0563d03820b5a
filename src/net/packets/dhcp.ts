/**
 * DHCP (RFC 2131, options RFC 2132) as a VPC's DHCP server answers it: every port has one fixed
 * lease, so the server never allocates, it only says so by message type.
 */
import { BROADCAST_MAC } from "./address.ts";

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
// 7 is DHCPRELEASE, which gets no reply (RFC 2131 §4.3.4).
export const DHCPINFORM = 8;

const BOOTREQUEST = 1;
const BOOTREPLY = 2;
const FIXED_BYTES = 236;
const MAGIC_COOKIE = 0x63825363;
/** RFC 1542: relay agents may drop shorter messages, so servers pad to BOOTP's 300 bytes. */
const MIN_MESSAGE_BYTES = 300;
const BROADCAST_FLAG = 0x8000;
const BROADCAST_IP = 0xffffffff;

const OPTION_PAD = 0;
const OPTION_SUBNET_MASK = 1;
const OPTION_ROUTER = 3;
const OPTION_DNS_SERVER = 6;
const OPTION_HOST_NAME = 12;
const OPTION_DOMAIN_NAME = 15;
const OPTION_MTU = 26;
const OPTION_BROADCAST_ADDRESS = 28;
const OPTION_REQUESTED_IP = 50;
const OPTION_LEASE_TIME = 51;
const OPTION_MESSAGE_TYPE = 53;
const OPTION_SERVER_ID = 54;
const OPTION_MESSAGE = 56;
const OPTION_END = 255;

export interface DhcpMessage {
  readonly op: number;
  readonly xid: number;
  readonly flags: number;
  readonly ciaddr: number;
  readonly yiaddr: number;
  readonly giaddr: number;
  /** The client's hardware address (six bytes for Ethernet). */
  readonly chaddr: Uint8Array;
  /** Option 53; null when absent (a plain BOOTP message). */
  readonly messageType: number | null;
  /** Option 50, or null. */
  readonly requestedIp: number | null;
  /** Option 54, or null. */
  readonly serverId: number | null;
  /** Every option by code; an option given more than once is concatenated (RFC 3396). */
  readonly options: ReadonlyMap<number, Uint8Array>;
}

/** What the VPC has fixed for one network interface. */
export interface DhcpLease {
  readonly ip: number;
  readonly subnetMask: number;
  readonly router: number;
  readonly dnsServer: number;
  readonly hostName: string;
  readonly domainName: string;
  readonly mtu: number;
  readonly leaseSeconds: number;
}

export interface DhcpServer {
  /** The server identifier (option 54) and the reply's source address. */
  readonly ip: number;
}

export interface DhcpReply {
  /** The UDP payload, from port 67 to port 68. */
  readonly payload: Uint8Array;
  readonly dstIp: number;
  readonly dstMac: Uint8Array;
}

/** "ip-172-31-0-10": the host name EC2 gives an address. */
export function privateHostName(ip: number): string {
  return `ip-${ip >>> 24}-${(ip >>> 16) & 0xff}-${(ip >>> 8) & 0xff}-${ip & 0xff}`;
}

/** The domain of private DNS names: us-east-1 keeps its historical "ec2.internal", as on AWS. */
export function privateDomainName(region: string): string {
  return region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  const high = ((bytes[offset] ?? 0) << 24) | ((bytes[offset + 1] ?? 0) << 16);
  return (high | ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0)) >>> 0;
}

function addressOption(value: Uint8Array | undefined): number | null {
  return value !== undefined && value.length === 4 ? readUint32(value, 0) : null;
}

function parseOptions(bytes: Uint8Array): Map<number, Uint8Array> | null {
  const options = new Map<number, Uint8Array>();
  let i = 0;
  while (i < bytes.length) {
    const code = bytes[i] ?? OPTION_END;
    if (code === OPTION_END) return options;
    if (code === OPTION_PAD) {
      i += 1;
      continue;
    }
    const length = bytes[i + 1];
    if (length === undefined || i + 2 + length > bytes.length) return null;
    const value = bytes.subarray(i + 2, i + 2 + length);
    const earlier = options.get(code);
    if (earlier === undefined) options.set(code, value);
    else {
      const joined = new Uint8Array(earlier.length + value.length);
      joined.set(earlier);
      joined.set(value, earlier.length);
      options.set(code, joined);
    }
    i += 2 + length;
  }
  // Clients end their options with 255; one that does not is cut short.
  return null;
}

/** A DHCP message (the UDP payload), or null when it is not Ethernet BOOTP with DHCP's cookie. */
export function parseDhcp(bytes: Uint8Array): DhcpMessage | null {
  if (bytes.length < FIXED_BYTES + 4) return null;
  if (bytes[1] !== 1 || bytes[2] !== 6) return null;
  if (readUint32(bytes, FIXED_BYTES) !== MAGIC_COOKIE) return null;
  const options = parseOptions(bytes.subarray(FIXED_BYTES + 4));
  if (options === null) return null;
  const type = options.get(OPTION_MESSAGE_TYPE);
  return {
    op: bytes[0] ?? 0,
    xid: readUint32(bytes, 4),
    flags: ((bytes[10] ?? 0) << 8) | (bytes[11] ?? 0),
    ciaddr: readUint32(bytes, 12),
    yiaddr: readUint32(bytes, 16),
    giaddr: readUint32(bytes, 24),
    chaddr: bytes.slice(28, 34),
    messageType: type?.length === 1 ? (type[0] ?? null) : null,
    requestedIp: addressOption(options.get(OPTION_REQUESTED_IP)),
    serverId: addressOption(options.get(OPTION_SERVER_ID)),
    options,
  };
}

type Option = readonly [code: number, value: Uint8Array];

function address(value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value.slice(0, 255));
}

function leaseOptions(lease: DhcpLease, withLeaseTime: boolean): Option[] {
  const options: Option[] = [
    [OPTION_SUBNET_MASK, address(lease.subnetMask)],
    [OPTION_ROUTER, address(lease.router)],
    [OPTION_DNS_SERVER, address(lease.dnsServer)],
    [OPTION_HOST_NAME, text(lease.hostName)],
    [OPTION_DOMAIN_NAME, text(lease.domainName)],
    [OPTION_MTU, Uint8Array.of(lease.mtu >>> 8, lease.mtu & 0xff)],
    [OPTION_BROADCAST_ADDRESS, address((lease.ip | ~lease.subnetMask) >>> 0)],
  ];
  // RFC 2131 3.4: an answer to DHCPINFORM carries no lease time, the address is not leased.
  if (withLeaseTime) options.unshift([OPTION_LEASE_TIME, address(lease.leaseSeconds)]);
  return options;
}

function buildReply(
  request: DhcpMessage,
  type: number,
  fields: { readonly ciaddr: number; readonly yiaddr: number },
  server: DhcpServer,
  options: readonly Option[],
): Uint8Array {
  const all: Option[] = [[OPTION_MESSAGE_TYPE, Uint8Array.of(type)], [OPTION_SERVER_ID, address(server.ip)], ...options];
  const optionBytes = all.reduce((sum, [, value]) => sum + 2 + value.length, 1);
  const bytes = new Uint8Array(Math.max(MIN_MESSAGE_BYTES, FIXED_BYTES + 4 + optionBytes));
  const view = new DataView(bytes.buffer);
  bytes[0] = BOOTREPLY;
  bytes[1] = 1;
  bytes[2] = 6;
  view.setUint32(4, request.xid);
  view.setUint16(10, request.flags);
  view.setUint32(12, fields.ciaddr);
  view.setUint32(16, fields.yiaddr);
  view.setUint32(24, request.giaddr);
  bytes.set(request.chaddr.subarray(0, 16), 28);
  view.setUint32(FIXED_BYTES, MAGIC_COOKIE);
  let offset = FIXED_BYTES + 4;
  for (const [code, value] of all) {
    bytes[offset] = code;
    bytes[offset + 1] = value.length;
    bytes.set(value, offset + 2);
    offset += 2 + value.length;
  }
  bytes[offset] = OPTION_END;
  return bytes;
}

/** RFC 2131 4.1: to ciaddr when the client has one, else broadcast if it asks, else to yiaddr. */
function destination(request: DhcpMessage, yiaddr: number, nak: boolean): Omit<DhcpReply, "payload"> {
  const broadcast = { dstIp: BROADCAST_IP, dstMac: BROADCAST_MAC };
  if (nak) return broadcast;
  if (request.ciaddr !== 0) return { dstIp: request.ciaddr, dstMac: request.chaddr };
  if ((request.flags & BROADCAST_FLAG) !== 0 || yiaddr === 0) return broadcast;
  return { dstIp: yiaddr, dstMac: request.chaddr };
}

/**
 * The server's answer to a client's message, or null when RFC 2131 says to stay silent
 * (RELEASE, DECLINE, a REQUEST for another server, anything that is not a client's request).
 */
export function dhcpReply(request: DhcpMessage, lease: DhcpLease, server: DhcpServer): DhcpReply | null {
  if (request.op !== BOOTREQUEST) return null;
  const nak = (): DhcpReply => ({
    payload: buildReply(request, DHCPNAK, { ciaddr: 0, yiaddr: 0 }, server, [
      [OPTION_MESSAGE, text("requested address is not this interface's")],
    ]),
    ...destination(request, 0, true),
  });
  const offerOrAck = (type: number, ciaddr: number): DhcpReply => ({
    payload: buildReply(request, type, { ciaddr, yiaddr: lease.ip }, server, leaseOptions(lease, true)),
    ...destination(request, lease.ip, false),
  });
  switch (request.messageType) {
    case DHCPDISCOVER:
      return offerOrAck(DHCPOFFER, 0);
    case DHCPREQUEST: {
      if (request.serverId !== null) {
        // SELECTING: the client chose an offer; if not ours, it is not for us to answer.
        if (request.serverId !== server.ip) return null;
        return request.requestedIp === lease.ip ? offerOrAck(DHCPACK, 0) : nak();
      }
      if (request.requestedIp !== null) {
        // INIT-REBOOT: the client asks to keep an address it remembers.
        return request.requestedIp === lease.ip ? offerOrAck(DHCPACK, 0) : nak();
      }
      // RENEWING or REBINDING: the client holds ciaddr and asks to extend it.
      return request.ciaddr === lease.ip ? offerOrAck(DHCPACK, request.ciaddr) : nak();
    }
    case DHCPINFORM:
      return {
        payload: buildReply(request, DHCPACK, { ciaddr: request.ciaddr, yiaddr: 0 }, server, leaseOptions(lease, false)),
        ...destination(request, 0, false),
      };
    default:
      return null;
  }
}
