import { describe, expect, it } from "vitest";
import { ipv4ToNumber } from "./address.ts";
import { buildIpv4, IP_PROTOCOL_TCP, IP_PROTOCOL_UDP, parseIpv4, type Ipv4Packet } from "./ipv4.ts";
import { buildUdp, parseUdp, type UdpDatagram } from "./udp.ts";
import { UDHCPC_DISCOVER } from "./fixtures/busyboxDhcp.ts";
import { DNSMASQ_A_ANSWER } from "./fixtures/busyboxDns.ts";
import { ipv4Of } from "./fixtures/frames.ts";
import { toHex } from "./fixtures/hex.ts";
import { LINUX_UDP_TO_CLOSED_PORT } from "./fixtures/linuxTraffic.ts";

const datagram: UdpDatagram = {
  srcIp: ipv4ToNumber("172.31.0.10") ?? 0,
  dstIp: ipv4ToNumber("172.31.0.2") ?? 0,
  srcPort: 40000,
  dstPort: 53,
  payload: Uint8Array.of(1, 2, 3, 4, 5),
};

function packetWith(udp: Uint8Array, protocol = IP_PROTOCOL_UDP): Ipv4Packet {
  const packet = parseIpv4(buildIpv4({ src: datagram.srcIp, dst: datagram.dstIp, protocol, payload: udp }));
  if (packet === null) throw new Error("built packet does not parse");
  return packet;
}

describe("UDP datagrams", () => {
  it("round-trip through the checksum", () => {
    expect(parseUdp(packetWith(buildUdp(datagram)))).toEqual(datagram);
  });

  it("accept a zero checksum (the sender computed none)", () => {
    const udp = buildUdp(datagram);
    udp[6] = 0;
    udp[7] = 0;
    expect(parseUdp(packetWith(udp))?.dstPort).toBe(53);
  });

  it("drop a datagram whose checksum does not cover its addresses", () => {
    const other = buildUdp({ ...datagram, srcIp: datagram.srcIp + 1 });
    expect(parseUdp(packetWith(other))).toBeNull();
  });

  it.each([
    ["truncated", (udp: Uint8Array) => udp.slice(0, 7)],
    ["longer than its packet", (udp: Uint8Array) => udp.slice(0, 10)],
    ["with a length under 8", (udp: Uint8Array) => Uint8Array.from(udp, (b, i) => (i === 5 ? 4 : b))],
  ])("drop one %s", (_name, change) => {
    expect(parseUdp(packetWith(change(buildUdp(datagram))))).toBeNull();
  });

  it("are not read out of another protocol", () => {
    expect(parseUdp(packetWith(buildUdp(datagram), IP_PROTOCOL_TCP))).toBeNull();
  });
});

describe("UDP datagrams Linux sent", () => {
  it.each([
    ["a datagram to a closed port", LINUX_UDP_TO_CLOSED_PORT],
    ["dnsmasq's answer", DNSMASQ_A_ANSWER],
    ["udhcpc's DISCOVER from 0.0.0.0", UDHCPC_DISCOVER],
  ])("rebuild %s with the same checksum", (_name, frameHex) => {
    const packet = ipv4Of(frameHex);
    const datagram = parseUdp(packet);
    if (datagram === null) throw new Error("fixture does not parse");
    expect(toHex(buildUdp(datagram))).toBe(toHex(packet.payload));
  });

  it("are not read out of a fragment", () => {
    expect(parseUdp({ ...ipv4Of(LINUX_UDP_TO_CLOSED_PORT), moreFragments: true })).toBeNull();
  });
});
