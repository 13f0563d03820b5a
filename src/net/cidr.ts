/**
 * IPv4 subnet arithmetic, as EC2 applies it to VPCs, subnets and security-group rules.
 * Addresses are unsigned 32-bit numbers; a CIDR is its network address and prefix length.
 * Functions return null rather than errors: the caller knows which EC2 error a bad value means
 * (InvalidParameterValue, InvalidVpc.Range, InvalidSubnet.Range, ...).
 */
import { ipv4ToNumber, numberToIpv4 } from "./packets/address.ts";

export interface Cidr {
  /** The network address: every host bit is zero. */
  readonly base: number;
  /** 0–32. */
  readonly prefix: number;
}

/** EC2 accepts VPC and subnet blocks from /16 (65,536 addresses) to /28 (16). */
export const BLOCK_PREFIX_MIN = 16;
export const BLOCK_PREFIX_MAX = 28;

/**
 * AWS reserves the first four addresses of every subnet (network, VPC router, DNS, future use)
 * and the last one (broadcast, which a VPC does not carry).
 */
const RESERVED_AT_START = 4;
const RESERVED_AT_END = 1;

// The dotted-quad conversions live with the packets; subnet code reads them by these names.
export { ipv4ToNumber as parseIpv4, numberToIpv4 as formatIpv4 };

/** The netmask of a prefix length as a number: /20 → 255.255.240.0. */
export function prefixMask(prefix: number): number {
  // A shift by 32 is a shift by 0 in JavaScript, so /0 needs its own case.
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * "172.31.0.0/16" as a Cidr; null if malformed, or if the address is not the network address of
 * its prefix ("172.31.0.1/16"), which EC2 refuses too.
 */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  if (slash < 0) return null;
  const base = ipv4ToNumber(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (base === null || !/^(?:\d|[12]\d|3[0-2])$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if ((base & prefixMask(prefix)) >>> 0 !== base) return null;
  return { base, prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${numberToIpv4(cidr.base)}/${cidr.prefix}`;
}

/** Whether EC2 would take this prefix length for a VPC or a subnet. */
export function isBlockPrefixAllowed(prefix: number): boolean {
  return prefix >= BLOCK_PREFIX_MIN && prefix <= BLOCK_PREFIX_MAX;
}

function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** The last address of the block (its broadcast address). */
function cidrLast(cidr: Cidr): number {
  return cidr.base + cidrSize(cidr) - 1;
}

export function addressInCidr(address: number, cidr: Cidr): boolean {
  return (address & prefixMask(cidr.prefix)) >>> 0 === cidr.base;
}

/** Every address of inner is in outer (a block contains itself). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && addressInCidr(inner.base, outer);
}

/** The blocks share at least one address; two CIDR blocks overlap only if one contains the other. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** The subnet's router: its base + 1, the address a guest's default route points at. */
export function routerAddress(subnet: Cidr): number {
  return subnet.base + 1;
}

/** The Amazon-provided DNS server: the VPC's base + 2 (reachable from every subnet of it). */
export function dnsAddress(vpc: Cidr): number {
  return vpc.base + 2;
}

/** The addresses no instance gets, lowest first: network, router, DNS, reserved, broadcast. */
export function reservedAddresses(subnet: Cidr): readonly number[] {
  const start = Array.from({ length: Math.min(RESERVED_AT_START, cidrSize(subnet)) }, (_, i) => subnet.base + i);
  const last = cidrLast(subnet);
  return start.includes(last) ? start : [...start, last];
}

export function isReservedAddress(address: number, subnet: Cidr): boolean {
  if (!addressInCidr(address, subnet)) return false;
  return address - subnet.base < RESERVED_AT_START || cidrLast(subnet) - address < RESERVED_AT_END;
}

/** How many addresses instances can have in the subnet: a /28 has 11, a /20 has 4,091. */
export function usableAddressCount(subnet: Cidr): number {
  return Math.max(0, cidrSize(subnet) - RESERVED_AT_START - RESERVED_AT_END);
}

/** The lowest address of the subnet that is neither reserved nor taken; null when it is full. */
export function allocateAddress(subnet: Cidr, taken: ReadonlySet<number>): number | null {
  const end = cidrLast(subnet) - RESERVED_AT_END;
  for (let address = subnet.base + RESERVED_AT_START; address <= end; address++) {
    if (!taken.has(address)) return address;
  }
  return null;
}

/** The default VPC's subnets are /20s: 172.31.0.0/20, 172.31.16.0/20, ... */
const DEFAULT_SUBNET_PREFIX = 20;

/**
 * The blocks of a default VPC's subnets, one per availability zone, consecutive from its base;
 * null if count of them do not fit in the VPC's block.
 */
export function defaultSubnetCidrs(vpc: Cidr, count: number, prefix = DEFAULT_SUBNET_PREFIX): readonly Cidr[] | null {
  if (prefix < vpc.prefix || prefix > 32) return null;
  const step = 2 ** (32 - prefix);
  if (count * step > cidrSize(vpc)) return null;
  return Array.from({ length: count }, (_, i) => ({ base: vpc.base + i * step, prefix }));
}
