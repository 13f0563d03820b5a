import { describe, expect, it } from "vitest";
import { ipv4ToNumber } from "./address.ts";
import { parseEthernet } from "./ethernet.ts";
import { ICMP_ECHO_REPLY_FROM_GATEWAY, ICMP_ECHO_REQUEST_FROM_LINUX } from "./fixtures/hostCapture.ts";
import { hex, toHex } from "./fixtures/hex.ts";
import { buildIpv4, internetChecksum, IP_PROTOCOL_ICMP, isFragment, parseIpv4 } from "./ipv4.ts";
import { ipv4Of } from "./fixtures/frames.ts";
import { BUSYBOX_PING_FIRST_FRAGMENT, BUSYBOX_PING_LAST_FRAGMENT, BUSYBOX_PING_REQUEST } from "./fixtures/linuxTraffic.ts";

function ipOf(frameHex: string): Uint8Array {
  const frame = parseEthernet(hex(frameHex));
  if (frame === null) throw new Error("fixture does not parse");
  return frame.payload;
}

describe("IPv4 packets", () => {
  it("parses Linux's echo request", () => {
    const packet = parseIpv4(ipOf(ICMP_ECHO_REQUEST_FROM_LINUX));
    expect(packet).toMatchObject({
      src: ipv4ToNumber("192.0.2.2"),
      dst: ipv4ToNumber("192.0.2.1"),
      protocol: IP_PROTOCOL_ICMP,
      ttl: 64,
      id: 0x75da,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      headerLength: 20,
    });
    expect(packet?.payload.length).toBe(48);
  });

  it.each([
    ["Linux's request", ICMP_ECHO_REQUEST_FROM_LINUX],
    ["the gateway's reply", ICMP_ECHO_REPLY_FROM_GATEWAY],
  ])("rebuilds %s with the same header checksum", (_name, frameHex) => {
    const bytes = ipOf(frameHex);
    const packet = parseIpv4(bytes);
    if (packet === null) throw new Error("fixture does not parse");
    const built = buildIpv4({
      src: packet.src,
      dst: packet.dst,
      protocol: packet.protocol,
      ttl: packet.ttl,
      id: packet.id,
      dontFragment: packet.dontFragment,
      payload: packet.payload,
    });
    expect(toHex(built)).toBe(toHex(bytes));
  });

  it("ignores the Ethernet padding after its total length", () => {
    const bytes = ipOf(ICMP_ECHO_REPLY_FROM_GATEWAY);
    const padded = new Uint8Array(bytes.length + 6);
    padded.set(bytes);
    padded.fill(0xee, bytes.length);
    const packet = parseIpv4(padded);
    expect(packet?.payload.length).toBe(48);
    expect(packet?.bytes.length).toBe(bytes.length);
  });

  it("reads the fragment fields", () => {
    const built = buildIpv4({ src: 1, dst: 2, protocol: 17, payload: new Uint8Array(8), dontFragment: false });
    built[6] = 0x20; // more fragments, offset 0x010 * 8 = 128 bytes
    built[7] = 0x10;
    built[10] = 0;
    built[11] = 0;
    const checksum = internetChecksum(built.subarray(0, 20));
    built[10] = checksum >>> 8;
    built[11] = checksum & 0xff;
    expect(parseIpv4(built)).toMatchObject({ moreFragments: true, dontFragment: false, fragmentOffset: 128 });
  });

  function corrupt(change: (bytes: Uint8Array) => void): Uint8Array {
    const bytes = ipOf(ICMP_ECHO_REQUEST_FROM_LINUX).slice();
    change(bytes);
    return bytes;
  }

  it.each([
    ["empty", new Uint8Array(0)],
    ["shorter than a header", ipOf(ICMP_ECHO_REQUEST_FROM_LINUX).slice(0, 19)],
    ["shorter than its total length", ipOf(ICMP_ECHO_REQUEST_FROM_LINUX).slice(0, 60)],
    ["of version 6", corrupt((b) => (b[0] = 0x65))],
    ["with a header length under 20", corrupt((b) => (b[0] = 0x44))],
    ["with a header longer than the packet", corrupt((b) => (b[0] = 0x4f))],
    ["with a total length under its header", corrupt((b) => (b[3] = 10))],
    ["with a wrong header checksum", corrupt((b) => (b[8] = 63))],
  ])("drops a packet %s", (_name, bytes) => {
    expect(parseIpv4(bytes)).toBeNull();
  });
});

describe("the Internet checksum", () => {
  it("matches RFC 1071's worked example", () => {
    // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2, so the checksum is 220d.
    expect(internetChecksum(hex("0001f203f4f5f6f7"))).toBe(0x220d);
  });

  it("pads an odd last byte with zero", () => {
    expect(internetChecksum(hex("0001f203f4f5f6"))).toBe(internetChecksum(hex("0001f203f4f5f600")));
  });
});

describe("IPv4 fragments Linux sent", () => {
  it("are told apart from whole packets", () => {
    const first = ipv4Of(BUSYBOX_PING_FIRST_FRAGMENT);
    const last = ipv4Of(BUSYBOX_PING_LAST_FRAGMENT);
    expect(first).toMatchObject({ moreFragments: true, fragmentOffset: 0 });
    expect(last).toMatchObject({ moreFragments: false, fragmentOffset: 1480 });
    expect([isFragment(first), isFragment(last), isFragment(ipv4Of(BUSYBOX_PING_REQUEST))]).toEqual([true, true, false]);
  });
});
