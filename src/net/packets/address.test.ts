import { describe, expect, it } from "vitest";
import { formatMac, ipv4ToNumber, isGroupMac, macEquals, numberToIpv4, parseMac } from "./address.ts";

describe("IPv4 addresses as numbers", () => {
  it.each([
    ["0.0.0.0", 0],
    ["172.31.0.10", 0xac1f000a],
    ["255.255.255.255", 0xffffffff],
    ["169.254.169.254", 0xa9fea9fe],
  ])("%s is %d and back", (text, value) => {
    expect(ipv4ToNumber(text)).toBe(value);
    expect(numberToIpv4(value)).toBe(text);
  });

  it.each(["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.x", " 1.2.3.4", "1..3.4", "-1.2.3.4"])(
    "%j is not an address",
    (text) => {
      expect(ipv4ToNumber(text)).toBeNull();
    },
  );
});

describe("MAC addresses", () => {
  it("parse and format in EC2's lower-case form", () => {
    const mac = parseMac("02:AB:cd:00:1F:0a");
    expect(mac).toEqual(Uint8Array.of(0x02, 0xab, 0xcd, 0x00, 0x1f, 0x0a));
    expect(formatMac(mac ?? new Uint8Array(6))).toBe("02:ab:cd:00:1f:0a");
  });

  it.each(["", "02:ab:cd:00:1f", "02:ab:cd:00:1f:0a:00", "2:ab:cd:00:1f:0a", "02:ab:cd:00:1f:zz"])("%j is not a MAC", (text) => {
    expect(parseMac(text)).toBeNull();
  });

  it("compares by bytes and tells unicast from broadcast", () => {
    expect(macEquals(Uint8Array.of(2, 0, 0, 0, 0, 1), Uint8Array.of(2, 0, 0, 0, 0, 1))).toBe(true);
    expect(macEquals(Uint8Array.of(2, 0, 0, 0, 0, 1), Uint8Array.of(2, 0, 0, 0, 0, 2))).toBe(false);
    expect(isGroupMac(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe(true);
    expect(isGroupMac(Uint8Array.of(0x01, 0x00, 0x5e, 0, 0, 1))).toBe(true);
    expect(isGroupMac(Uint8Array.of(0x02, 0, 0, 0, 0, 1))).toBe(false);
  });
});
