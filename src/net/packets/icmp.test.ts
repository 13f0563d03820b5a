import { describe, expect, it } from "vitest";
import { parseEthernet } from "./ethernet.ts";
import { ICMP_ECHO_REPLY_FROM_GATEWAY, ICMP_ECHO_REQUEST_FROM_LINUX } from "./fixtures/hostCapture.ts";
import { hex, toHex } from "./fixtures/hex.ts";
import {
  buildIcmpEcho,
  buildIcmpEchoReply,
  buildIcmpUnreachable,
  ICMP_DESTINATION_UNREACHABLE,
  parseIcmp,
  parseIcmpEcho,
  UNREACHABLE_PORT,
} from "./icmp.ts";
import { parseIpv4, type Ipv4Packet } from "./ipv4.ts";
import { ipv4Of } from "./fixtures/frames.ts";
import { BUSYBOX_PING_REQUEST, LINUX_ICMP_PORT_UNREACHABLE, LINUX_PING_REPLY, LINUX_UDP_TO_CLOSED_PORT } from "./fixtures/linuxTraffic.ts";

function packetOf(frameHex: string): Ipv4Packet {
  const frame = parseEthernet(hex(frameHex));
  const packet = frame === null ? null : parseIpv4(frame.payload);
  if (packet === null) throw new Error("fixture does not parse");
  return packet;
}

describe("ICMP echo", () => {
  it("parses the request a raw socket sent", () => {
    const echo = parseIcmpEcho(packetOf(ICMP_ECHO_REQUEST_FROM_LINUX).payload);
    expect(echo).toMatchObject({ kind: "request", identifier: 0x1234, sequence: 1 });
    expect(echo?.data.length).toBe(40);
  });

  it("answers it with the bytes the real gateway sent", () => {
    const echo = parseIcmpEcho(packetOf(ICMP_ECHO_REQUEST_FROM_LINUX).payload);
    if (echo === null) throw new Error("fixture does not parse");
    expect(toHex(buildIcmpEchoReply(echo))).toBe(toHex(packetOf(ICMP_ECHO_REPLY_FROM_GATEWAY).payload));
  });

  it("round-trips a request with an odd amount of data", () => {
    const request = { kind: "request", identifier: 7, sequence: 65535, data: hex("0102030405") } as const;
    expect(parseIcmpEcho(buildIcmpEcho(request))).toEqual(request);
  });

  it("drops a message with a wrong checksum or cut short", () => {
    const payload = packetOf(ICMP_ECHO_REPLY_FROM_GATEWAY).payload.slice();
    expect(parseIcmp(payload.slice(0, 7))).toBeNull();
    payload[10] = (payload[10] ?? 0) ^ 0xff;
    expect(parseIcmp(payload)).toBeNull();
  });

  it("is not an echo when it is another type", () => {
    const offending = packetOf(ICMP_ECHO_REQUEST_FROM_LINUX);
    expect(parseIcmpEcho(buildIcmpUnreachable(UNREACHABLE_PORT, offending))).toBeNull();
  });
});

describe("ICMP destination unreachable", () => {
  it("quotes the offending packet's header and its first 8 bytes of data", () => {
    const offending = packetOf(ICMP_ECHO_REQUEST_FROM_LINUX);
    const message = parseIcmp(buildIcmpUnreachable(UNREACHABLE_PORT, offending));
    expect(message).toMatchObject({ type: ICMP_DESTINATION_UNREACHABLE, code: UNREACHABLE_PORT });
    expect(toHex(message?.rest.subarray(4) ?? new Uint8Array(0))).toBe(toHex(offending.bytes.subarray(0, 28)));
  });
});

describe("ICMP Linux sent", () => {
  it("parses BusyBox ping's request and answers it as the kernel did", () => {
    const echo = parseIcmpEcho(ipv4Of(BUSYBOX_PING_REQUEST).payload);
    expect(echo).toMatchObject({ kind: "request" });
    expect(echo?.data.length).toBe(56);
    if (echo === null) return;
    expect(toHex(buildIcmpEchoReply(echo))).toBe(toHex(ipv4Of(LINUX_PING_REPLY).payload));
  });

  it("parses the kernel's port unreachable, which quotes the datagram", () => {
    const unreachable = ipv4Of(LINUX_ICMP_PORT_UNREACHABLE);
    const message = parseIcmp(unreachable.payload);
    expect(message).toMatchObject({ type: ICMP_DESTINATION_UNREACHABLE, code: UNREACHABLE_PORT });
    expect(toHex(message?.rest.subarray(4) ?? new Uint8Array(0))).toBe(toHex(ipv4Of(LINUX_UDP_TO_CLOSED_PORT).bytes));
    // Ours quotes less (the RFC 792 minimum), but the same start.
    const ours = buildIcmpUnreachable(UNREACHABLE_PORT, ipv4Of(LINUX_UDP_TO_CLOSED_PORT));
    expect(toHex(ours.subarray(0, 2))).toBe(toHex(unreachable.payload.subarray(0, 2)));
    expect(toHex(ours.subarray(4))).toBe(toHex(unreachable.payload.subarray(4, ours.length)));
  });
});
