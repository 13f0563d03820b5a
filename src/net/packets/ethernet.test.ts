import { describe, expect, it } from "vitest";
import { buildEthernet, ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet } from "./ethernet.ts";
import { ARP_REPLY_FROM_GATEWAY, ICMP_ECHO_REPLY_FROM_GATEWAY } from "./fixtures/hostCapture.ts";
import { hex, toHex } from "./fixtures/hex.ts";

describe("Ethernet frames", () => {
  it("parses a captured frame and rebuilds it byte for byte", () => {
    const bytes = hex(ICMP_ECHO_REPLY_FROM_GATEWAY);
    const frame = parseEthernet(bytes);
    expect(frame).not.toBeNull();
    if (frame === null) return;
    expect(toHex(frame.dst)).toBe("02fc00000001");
    expect(toHex(frame.src)).toBe("02fc00000005");
    expect(frame.etherType).toBe(ETHERTYPE_IPV4);
    expect(toHex(buildEthernet(frame.dst, frame.src, frame.etherType, frame.payload))).toBe(ICMP_ECHO_REPLY_FROM_GATEWAY);
  });

  it("pads a short frame to Ethernet's 60-byte minimum with zeros, as a NIC does", () => {
    const frame = parseEthernet(hex(ARP_REPLY_FROM_GATEWAY));
    if (frame === null) throw new Error("fixture does not parse");
    const built = buildEthernet(frame.dst, frame.src, ETHERTYPE_ARP, frame.payload);
    expect(built.length).toBe(60);
    expect(toHex(built)).toBe(ARP_REPLY_FROM_GATEWAY + "00".repeat(18));
  });

  it.each([
    ["empty", ""],
    ["shorter than a header", "ffffffffffff02fc00000001"],
    ["an 802.3 length instead of a type", "ffffffffffff02fc000000010040aaaa"],
  ])("drops %s", (_name, text) => {
    expect(parseEthernet(hex(text))).toBeNull();
  });
});
