import { describe, expect, it } from "vitest";
import { ipv4ToNumber } from "./address.ts";
import { buildIpv4, IP_PROTOCOL_TCP, parseIpv4, type Ipv4Packet } from "./ipv4.ts";
import { buildTcp, parseTcp } from "./tcp.ts";
import type { TcpSegment } from "./tcpSegment.ts";
import { ipv4Of } from "./fixtures/frames.ts";
import { toHex } from "./fixtures/hex.ts";
import { LINUX_TCP_DATA, LINUX_TCP_RST, LINUX_TCP_SYN, LINUX_TCP_SYN_ACK } from "./fixtures/linuxTraffic.ts";

const noFlags = { syn: false, ack: false, fin: false, rst: false, psh: false };

const syn: TcpSegment = {
  srcIp: ipv4ToNumber("172.31.0.10") ?? 0,
  dstIp: ipv4ToNumber("172.31.0.11") ?? 0,
  srcPort: 51000,
  dstPort: 80,
  seq: 0xfffffff0,
  ack: 0,
  flags: { ...noFlags, syn: true },
  window: 64240,
  mss: 1460,
  payload: new Uint8Array(0),
};

function packetWith(tcp: Uint8Array, segment: TcpSegment = syn): Ipv4Packet {
  const packet = parseIpv4(buildIpv4({ src: segment.srcIp, dst: segment.dstIp, protocol: IP_PROTOCOL_TCP, payload: tcp }));
  if (packet === null) throw new Error("built packet does not parse");
  return packet;
}

describe("TCP segments", () => {
  it("round-trip a SYN with its MSS option", () => {
    const built = buildTcp(syn);
    expect(built.length).toBe(24);
    expect(parseTcp(packetWith(built))).toEqual(syn);
  });

  it("round-trip data with PSH and ACK, without an MSS option", () => {
    const data: TcpSegment = {
      ...syn,
      seq: 1,
      ack: 0x80000000,
      flags: { ...noFlags, ack: true, psh: true },
      payload: new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n!"),
    };
    const { mss: _mss, ...expected } = data;
    expect(parseTcp(packetWith(buildTcp(data), data))).toEqual(expected);
  });

  it("drop a segment whose checksum is wrong", () => {
    const built = buildTcp(syn);
    built[4] = (built[4] ?? 0) ^ 1;
    expect(parseTcp(packetWith(built))).toBeNull();
  });

  it.each([
    ["shorter than a header", (tcp: Uint8Array) => tcp.slice(0, 19)],
    ["with a data offset past its end", (tcp: Uint8Array) => Uint8Array.from(tcp, (b, i) => (i === 12 ? 0xf0 : b))],
    ["with a data offset under 5", (tcp: Uint8Array) => Uint8Array.from(tcp, (b, i) => (i === 12 ? 0x40 : b))],
    ["with an option running past the header", (tcp: Uint8Array) => Uint8Array.from(tcp, (b, i) => (i === 21 ? 9 : b))],
    ["with a zero-length option", (tcp: Uint8Array) => Uint8Array.from(tcp, (b, i) => (i === 21 ? 0 : b))],
  ])("drop one %s", (_name, change) => {
    // The checksum is recomputed so that only the named fault is left.
    expect(parseTcp(packetWith(withChecksum(change(buildTcp(syn)))))).toBeNull();
  });
});

function withChecksum(tcp: Uint8Array): Uint8Array {
  tcp[16] = 0;
  tcp[17] = 0;
  // The pseudo-header sum for syn's addresses and this length, then the segment.
  let sum = (syn.srcIp >>> 16) + (syn.srcIp & 0xffff) + (syn.dstIp >>> 16) + (syn.dstIp & 0xffff) + IP_PROTOCOL_TCP + tcp.length;
  for (let i = 0; i < tcp.length; i += 2) sum += ((tcp[i] ?? 0) << 8) | (tcp[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  const checksum = ~sum & 0xffff;
  tcp[16] = checksum >>> 8;
  tcp[17] = checksum & 0xff;
  return tcp;
}

describe("TCP segments Linux sent", () => {
  it("parse a SYN with MSS, SACK, timestamps and window scale, keeping only the MSS", () => {
    const segment = parseTcp(ipv4Of(LINUX_TCP_SYN));
    expect(segment).toMatchObject({
      srcPort: 0xd864,
      dstPort: 8080,
      seq: 0xa8341c94,
      ack: 0,
      flags: { ...noFlags, syn: true },
      window: 64240,
      mss: 1460,
    });
    expect(segment?.payload.length).toBe(0);
  });

  it("parse the SYN-ACK and the data after the handshake", () => {
    expect(parseTcp(ipv4Of(LINUX_TCP_SYN_ACK))).toMatchObject({ flags: { ...noFlags, syn: true, ack: true }, ack: 0xa8341c95, mss: 1460 });
    const data = parseTcp(ipv4Of(LINUX_TCP_DATA));
    expect(data).toMatchObject({ flags: { ...noFlags, ack: true, psh: true }, seq: 0xa8341c95 });
    expect(new TextDecoder().decode(data?.payload)).toBe("hello-tcp\n");
    expect(data).not.toHaveProperty("mss");
  });

  it("rebuild the kernel's RST byte for byte", () => {
    const packet = ipv4Of(LINUX_TCP_RST);
    const segment = parseTcp(packet);
    if (segment === null) throw new Error("fixture does not parse");
    const built = buildIpv4({ src: segment.srcIp, dst: segment.dstIp, protocol: IP_PROTOCOL_TCP, payload: buildTcp(segment) });
    expect(toHex(built)).toBe(toHex(packet.bytes));
  });

  it("are not read out of a fragment", () => {
    const syn = ipv4Of(LINUX_TCP_SYN);
    expect(parseTcp({ ...syn, moreFragments: true })).toBeNull();
    expect(parseTcp({ ...syn, fragmentOffset: 1480 })).toBeNull();
  });
});
