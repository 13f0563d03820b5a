import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addressInCidr,
  allocateAddress,
  cidrContains,
  cidrsOverlap,
  defaultSubnetCidrs,
  formatCidr,
  formatIpv4,
  isBlockPrefixAllowed,
  isReservedAddress,
  parseCidr,
  parseIpv4,
  reservedAddresses,
  usableAddressCount,
  type Cidr,
} from "./cidr.ts";

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`not a CIDR: ${text}`);
  return parsed;
}

const ip = (text: string) => parseIpv4(text) as number;

describe("IPv4 addresses", () => {
  it.each([
    ["0.0.0.0", 0],
    ["172.31.0.10", 0xac1f000a],
    ["255.255.255.255", 0xffffffff],
  ])("%s is %d and formats back", (text, value) => {
    expect(parseIpv4(text)).toBe(value);
    expect(formatIpv4(value)).toBe(text);
  });

  it.each(["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "1..2.3", " 1.2.3.4"])(
    "%j is not an address",
    (text) => {
      expect(parseIpv4(text)).toBeNull();
    },
  );
});

describe("a CIDR block", () => {
  it.each([
    ["172.31.0.0/16", "172.31.0.0/16"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["10.0.0.7/32", "10.0.0.7/32"],
    ["10.0.0.240/28", "10.0.0.240/28"],
  ])("%s parses", (text, formatted) => {
    expect(formatCidr(cidr(text))).toBe(formatted);
  });

  it.each([
    "172.31.0.1/16",
    "10.0.0.8/28",
    "172.31.0.0",
    "172.31.0.0/",
    "172.31.0.0/33",
    "172.31.0.0/016",
    "172.31.0.0/-1",
    "300.0.0.0/8",
    "10.0.0.0/8/8",
  ])("%s is refused (malformed, or not the network address of its prefix)", (text) => {
    expect(parseCidr(text)).toBeNull();
  });

  it("VPC and subnet blocks go from /16 to /28", () => {
    expect([15, 16, 20, 28, 29].map(isBlockPrefixAllowed)).toEqual([false, true, true, true, false]);
  });

  it("contains its own addresses and no others", () => {
    const block = cidr("172.31.16.0/20");
    expect(addressInCidr(ip("172.31.16.0"), block)).toBe(true);
    expect(addressInCidr(ip("172.31.31.255"), block)).toBe(true);
    expect(addressInCidr(ip("172.31.32.0"), block)).toBe(false);
    expect(addressInCidr(ip("172.31.15.255"), block)).toBe(false);
    expect(addressInCidr(ip("255.255.255.255"), cidr("0.0.0.0/0"))).toBe(true);
    expect(addressInCidr(ip("10.0.0.7"), cidr("10.0.0.7/32"))).toBe(true);
    expect(addressInCidr(ip("10.0.0.6"), cidr("10.0.0.7/32"))).toBe(false);
  });

  it.each([
    ["172.31.0.0/16", "172.31.16.0/20", true],
    ["172.31.0.0/16", "172.31.0.0/16", true],
    ["172.31.16.0/20", "172.31.0.0/16", false],
    ["172.31.0.0/16", "172.32.0.0/20", false],
    ["0.0.0.0/0", "10.1.2.3/32", true],
  ])("%s contains %s: %s", (outer, inner, expected) => {
    expect(cidrContains(cidr(outer), cidr(inner))).toBe(expected);
  });

  it.each([
    ["10.0.0.0/24", "10.0.0.128/25", true],
    ["10.0.0.128/25", "10.0.0.0/24", true],
    ["10.0.0.0/24", "10.0.0.0/24", true],
    ["10.0.0.0/25", "10.0.0.128/25", false],
    ["10.0.0.0/24", "10.0.1.0/24", false],
    ["172.31.0.0/20", "172.31.16.0/20", false],
  ])("%s and %s overlap: %s", (a, b, expected) => {
    expect(cidrsOverlap(cidr(a), cidr(b))).toBe(expected);
  });
});

describe("a subnet's addresses", () => {
  it("reserves network, router, DNS, the next one and the last one", () => {
    expect(reservedAddresses(cidr("10.0.0.0/24")).map(formatIpv4)).toEqual(["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.255"]);
    const subnet = cidr("10.0.0.16/28");
    expect(["10.0.0.16", "10.0.0.19", "10.0.0.31"].map((a) => isReservedAddress(ip(a), subnet))).toEqual([true, true, true]);
    expect(["10.0.0.20", "10.0.0.30", "10.0.0.15", "10.0.0.32"].map((a) => isReservedAddress(ip(a), subnet))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it.each([
    ["10.0.0.0/28", 11],
    ["10.0.0.0/24", 251],
    ["172.31.0.0/20", 4091],
    ["172.31.0.0/16", 65531],
  ])("%s has %d usable addresses", (text, count) => {
    expect(usableAddressCount(cidr(text))).toBe(count);
  });

  it("allocates the lowest free address, never a reserved one", () => {
    const subnet = cidr("10.0.0.0/28");
    expect(formatIpv4(allocateAddress(subnet, new Set()) as number)).toBe("10.0.0.4");
    expect(formatIpv4(allocateAddress(subnet, new Set([ip("10.0.0.4"), ip("10.0.0.6")])) as number)).toBe("10.0.0.5");
    expect(formatIpv4(allocateAddress(subnet, new Set([ip("10.0.0.4"), ip("10.0.0.5")])) as number)).toBe("10.0.0.6");
  });

  it("allocates all 11 addresses of a /28, then none", () => {
    const subnet = cidr("10.0.0.0/28");
    const taken = new Set<number>();
    for (;;) {
      const address = allocateAddress(subnet, taken);
      if (address === null) break;
      expect(isReservedAddress(address, subnet)).toBe(false);
      taken.add(address);
    }
    expect(taken.size).toBe(11);
    expect(formatIpv4(Math.max(...taken))).toBe("10.0.0.14");
  });
});

describe("the default VPC's subnets", () => {
  it("are consecutive /20s from the VPC's base", () => {
    expect(defaultSubnetCidrs(cidr("172.31.0.0/16"), 3)?.map(formatCidr)).toEqual(["172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20"]);
  });

  it("fit sixteen in a /16 and not seventeen", () => {
    expect(defaultSubnetCidrs(cidr("172.31.0.0/16"), 16)?.at(-1)).toEqual(cidr("172.31.240.0/20"));
    expect(defaultSubnetCidrs(cidr("172.31.0.0/16"), 17)).toBeNull();
  });
});

describe("subnet arithmetic against brute force", () => {
  const block = fc.record({ address: fc.nat({ max: 0xffffffff }), prefix: fc.integer({ min: 0, max: 32 }) }).map(({ address, prefix }) => {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return { base: (address & mask) >>> 0, prefix };
  });
  const end = (c: Cidr) => c.base + 2 ** (32 - c.prefix) - 1;

  it("two blocks overlap exactly when their address ranges meet", () => {
    fc.assert(
      fc.property(block, block, (a, b) => {
        expect(cidrsOverlap(a, b)).toBe(Math.max(a.base, b.base) <= Math.min(end(a), end(b)));
        expect(cidrContains(a, b)).toBe(a.base <= b.base && end(b) <= end(a));
      }),
    );
  });

  it("allocation gives the lowest address neither reserved nor taken", () => {
    const subnet = cidr("10.0.0.16/28");
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 16, max: 31 })), (offsets) => {
        const taken = new Set(offsets.map((o) => subnet.base - 16 + o));
        let expected: number | null = null;
        for (let a = subnet.base + 4; a <= end(subnet) - 1 && expected === null; a++) if (!taken.has(a)) expected = a;
        expect(allocateAddress(subnet, taken)).toBe(expected);
      }),
    );
  });
});
