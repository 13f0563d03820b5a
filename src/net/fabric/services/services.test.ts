import { describe, expect, it } from "vitest";
import { formatMac, numberToIpv4 } from "../../packets/address.ts";
import { DHCPACK, DHCPOFFER, parseDhcp } from "../../packets/dhcp.ts";
import { parseUdp } from "../../packets/udp.ts";
import { UDHCPC_DISCOVER, UDHCPC_RELEASE, UDHCPC_REQUEST_RENEWING, UDHCPC_REQUEST_SELECTING } from "../../packets/fixtures/busyboxDhcp.ts";
import {
  NSLOOKUP_A_QUERY,
  NSLOOKUP_EXTERNAL_QUERY,
  NSLOOKUP_PTR_QUERY,
  NSLOOKUP_UNKNOWN_QUERY,
} from "../../packets/fixtures/busyboxDns.ts";
import { hex } from "../../packets/fixtures/hex.ts";
import { FABRIC_MAC } from "../addresses.ts";
import { FakeGuest, PORTS, fabricWith, ip, topology } from "../testing/fakeNetwork.ts";

/** The port BusyBox's captured frames came from: 02:00:ac:1f:00:0a leased 172.31.0.10. */
const UDHCPC_PORT = { eni: "eni-a", mac: "02:00:ac:1f:00:0a", ip: "172.31.0.10", subnetId: "subnet-a" };

function withBusyBox() {
  const network = fabricWith(["b"]);
  network.fabric.configure(topology([UDHCPC_PORT, PORTS.b]));
  const guest = new FakeGuest(network.fabric, UDHCPC_PORT);
  return { ...network, guest };
}

function udpReplies(guest: FakeGuest) {
  return guest.packets().flatMap(({ dst, packet }) => {
    const datagram = parseUdp(packet);
    return datagram ? [{ dstMac: dst, datagram }] : [];
  });
}

function dhcpReplies(guest: FakeGuest) {
  return udpReplies(guest).flatMap(({ dstMac, datagram }) => {
    const message = parseDhcp(datagram.payload);
    return message ? [{ dstMac, datagram, message }] : [];
  });
}

describe("DHCP", () => {
  it("offers and then acknowledges the port's own address to BusyBox udhcpc, and nobody else hears it", () => {
    const { guest, guests, turn } = withBusyBox();
    guest.send(hex(UDHCPC_DISCOVER));
    turn();
    guest.send(hex(UDHCPC_REQUEST_SELECTING));
    turn();
    const replies = dhcpReplies(guest);
    expect(replies.map(({ message }) => [message.messageType, numberToIpv4(message.yiaddr), numberToIpv4(message.serverId ?? 0)])).toEqual([
      [DHCPOFFER, "172.31.0.10", "172.31.0.1"],
      [DHCPACK, "172.31.0.10", "172.31.0.1"],
    ]);
    const ack = replies[1]?.message;
    const text = (code: number) => new TextDecoder().decode(ack?.options.get(code));
    expect([...(ack?.options.get(1) ?? [])]).toEqual([255, 255, 240, 0]);
    expect([...(ack?.options.get(3) ?? [])]).toEqual([172, 31, 0, 1]);
    expect([...(ack?.options.get(6) ?? [])]).toEqual([172, 31, 0, 2]);
    expect(text(12)).toBe("ip-172-31-0-10");
    expect(text(15)).toBe("ec2.internal");
    expect(replies[0]?.datagram).toMatchObject({ srcIp: ip("172.31.0.1"), srcPort: 67, dstPort: 68 });
    expect(guests.b.frames).toEqual([]);
  });

  it("acknowledges a renewal sent to the router, and says nothing to a release", () => {
    const { guest, turn } = withBusyBox();
    guest.send(hex(UDHCPC_REQUEST_RENEWING), hex(UDHCPC_RELEASE));
    turn();
    const replies = dhcpReplies(guest);
    expect(replies.map(({ message }) => message.messageType)).toEqual([DHCPACK]);
    expect(formatMac(replies[0]?.dstMac ?? new Uint8Array())).toBe("02:00:ac:1f:00:0a");
  });

  it("gives no lease to a port asking for another hardware address", () => {
    const { fabric, turn } = withBusyBox();
    const other = new FakeGuest(fabric, PORTS.b);
    const discover = hex(UDHCPC_DISCOVER);
    discover.set(other.mac, 6);
    other.send(discover);
    turn();
    expect(other.frames).toEqual([]);
  });
});

describe("DNS", () => {
  it("answers private DNS names and their PTR names of the VPC, NXDOMAIN for other names in its zones, and a public name from the fabric's range", () => {
    const { guest, turn } = withBusyBox();
    guest.send(hex(NSLOOKUP_A_QUERY), hex(NSLOOKUP_PTR_QUERY), hex(NSLOOKUP_UNKNOWN_QUERY), hex(NSLOOKUP_EXTERNAL_QUERY));
    turn();
    const answers = udpReplies(guest).map(({ datagram }) => datagram);
    expect(answers.every((answer) => answer.srcIp === ip("172.31.0.2") && answer.srcPort === 53)).toBe(true);
    const rcodes = answers.map((answer) => (answer.payload[3] ?? 0) & 0x0f);
    const answerCounts = answers.map((answer) => ((answer.payload[6] ?? 0) << 8) | (answer.payload[7] ?? 0));
    expect(rcodes).toEqual([0, 0, 3, 0]);
    expect(answerCounts).toEqual([1, 1, 0, 1]);
    // The A record's data is the last four bytes of the answer.
    expect([...(answers[0]?.payload.slice(-4) ?? [])]).toEqual([172, 31, 0, 10]);
    expect([...(answers[3]?.payload.slice(-4) ?? [])]).toEqual([198, 18, 0, 1]);
  });
});

describe("the router", () => {
  it("answers ping, as does the DNS server", () => {
    const { guests, turn } = fabricWith(["a"]);
    guests.a.send(guests.a.ping(FABRIC_MAC, "172.31.0.1", 1), guests.a.ping(FABRIC_MAC, "172.31.0.2", 2));
    turn();
    expect(guests.a.echoes()).toMatchObject([
      { kind: "reply", sequence: 1 },
      { kind: "reply", sequence: 2 },
    ]);
    expect(guests.a.packets().map(({ packet }) => numberToIpv4(packet.src))).toEqual(["172.31.0.1", "172.31.0.2"]);
  });
});
