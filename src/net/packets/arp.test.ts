import { describe, expect, it } from "vitest";
import { ipv4ToNumber } from "./address.ts";
import { ARP_REPLY, ARP_REQUEST, buildArpReply, parseArp } from "./arp.ts";
import { buildEthernet, ETHERTYPE_ARP, parseEthernet } from "./ethernet.ts";
import { ARP_REPLY_FROM_GATEWAY, ARP_REQUEST_FROM_LINUX } from "./fixtures/hostCapture.ts";
import { hex, toHex } from "./fixtures/hex.ts";

function arpOf(frameHex: string): Uint8Array {
  const frame = parseEthernet(hex(frameHex));
  if (frame === null) throw new Error("fixture does not parse");
  return frame.payload;
}

describe("ARP", () => {
  it("parses Linux's request for its gateway", () => {
    const request = parseArp(arpOf(ARP_REQUEST_FROM_LINUX));
    expect(request).toEqual({
      operation: ARP_REQUEST,
      senderMac: hex("02fc00000001"),
      senderIp: ipv4ToNumber("192.0.2.2"),
      targetMac: hex("000000000000"),
      targetIp: ipv4ToNumber("192.0.2.1"),
    });
  });

  it("answers it with the same bytes the real gateway sent", () => {
    const request = parseArp(arpOf(ARP_REQUEST_FROM_LINUX));
    if (request === null) throw new Error("fixture does not parse");
    const gatewayMac = hex("02fc00000005");
    const reply = buildArpReply(request, gatewayMac);
    expect(parseArp(reply)?.operation).toBe(ARP_REPLY);
    const frame = buildEthernet(request.senderMac, gatewayMac, ETHERTYPE_ARP, reply);
    expect(toHex(frame.subarray(0, 42))).toBe(ARP_REPLY_FROM_GATEWAY);
  });

  it.each([
    ["truncated", "000108000604000102fc00000001c000020200000000"],
    ["not Ethernet hardware", "000608000604000102fc00000001c0000202000000000000c0000201"],
    ["not IPv4", "000186dd0604000102fc00000001c0000202000000000000c0000201"],
    ["odd address lengths", "000108000610000102fc00000001c0000202000000000000c0000201"],
  ])("drops one %s", (_name, text) => {
    expect(parseArp(hex(text))).toBeNull();
  });
});
