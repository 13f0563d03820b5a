import { describe, expect, it } from "vitest";
import { BROADCAST_MAC, formatMac, numberToIpv4 } from "../packets/address.ts";
import { ARP_REPLY } from "../packets/arp.ts";
import { ETHERTYPE_IPV4, buildEthernet } from "../packets/ethernet.ts";
import { IP_PROTOCOL_UDP, buildIpv4 } from "../packets/ipv4.ts";
import { buildUdp } from "../packets/udp.ts";
import { FABRIC_MAC, METADATA_IP } from "./addresses.ts";
import { INBOX_LIMITS } from "./portLink.ts";
import { fabricWith, ip, mac } from "./testing/fakeNetwork.ts";

describe("ARP", () => {
  it("answers for the router, the DNS server, the metadata service and another instance, to the asker only", () => {
    const { guests, turn } = fabricWith(["a", "b", "c"]);
    guests.a.send(
      guests.a.arpFor("172.31.0.1"),
      guests.a.arpFor("172.31.0.2"),
      guests.a.arpFor("169.254.169.254"),
      guests.a.arpFor("172.31.0.11"),
    );
    turn();
    const replies = guests.a.arpReplies();
    expect(replies.map((reply) => [numberToIpv4(reply.senderIp), formatMac(reply.senderMac), reply.operation])).toEqual([
      ["172.31.0.1", formatMac(FABRIC_MAC), ARP_REPLY],
      ["172.31.0.2", formatMac(FABRIC_MAC), ARP_REPLY],
      ["169.254.169.254", formatMac(FABRIC_MAC), ARP_REPLY],
      ["172.31.0.11", "02:00:00:00:00:0b", ARP_REPLY],
    ]);
    expect(replies.every((reply) => reply.targetIp === guests.a.ip)).toBe(true);
    expect(guests.b.frames).toEqual([]);
    expect(guests.c.frames).toEqual([]);
  });

  it("does not answer for a free address of the subnet or the asker's own", () => {
    const { guests, turn } = fabricWith(["a", "b"]);
    guests.a.send(guests.a.arpFor("172.31.0.99"), guests.a.arpFor("172.31.0.10"));
    turn();
    expect(guests.a.frames).toEqual([]);
  });

  it("gives the router's MAC for an instance of another subnet", () => {
    const { guests, turn } = fabricWith(["a", "c"]);
    guests.a.send(guests.a.arpFor("172.31.16.12"));
    turn();
    expect(guests.a.arpReplies().map((reply) => formatMac(reply.senderMac))).toEqual([formatMac(FABRIC_MAC)]);
  });
});

describe("forwarding", () => {
  it("carries a ping between two instances of the default group and its reply back", () => {
    const { guests, turn } = fabricWith(["a", "b"]);
    guests.a.send(guests.a.ping(guests.b.mac, "172.31.0.11", 1));
    turn();
    const [delivered] = guests.b.packets();
    expect(delivered?.packet.src).toBe(guests.a.ip);
    expect(formatMac(delivered?.src ?? new Uint8Array())).toBe("02:00:00:00:00:0a");
    expect(guests.b.echoes()).toMatchObject([{ kind: "request", sequence: 1 }]);
  });

  it("routes between subnets of a VPC with the router's MAC as the source", () => {
    const { guests, turn } = fabricWith(["a", "c"]);
    guests.a.send(guests.a.ping(FABRIC_MAC, "172.31.16.12", 1));
    turn();
    const [delivered] = guests.c.packets();
    expect(formatMac(delivered?.src ?? new Uint8Array())).toBe(formatMac(FABRIC_MAC));
    expect(formatMac(delivered?.dst ?? new Uint8Array())).toBe("02:00:00:00:00:0c");
  });

  it("does not reach an instance of another VPC, even by its address", () => {
    const { fabric, guests, turn } = fabricWith(["a", "x"]);
    guests.a.send(guests.a.ping(FABRIC_MAC, "10.0.0.10", 1), guests.a.arpFor("10.0.0.10"));
    turn();
    expect(guests.x.frames).toEqual([]);
    expect(guests.a.frames).toEqual([]);
    expect(fabric.counters().dropped.noRoute).toBe(1);
  });

  it("never floods a broadcast to other instances", () => {
    const { guests, turn } = fabricWith(["a", "b", "d"]);
    const udp = (dst: number) => buildUdp({ srcIp: guests.a.ip, dstIp: dst, srcPort: 5000, dstPort: 5000, payload: new Uint8Array(10) });
    const toAll = (dst: number) =>
      buildEthernet(
        BROADCAST_MAC,
        guests.a.mac,
        ETHERTYPE_IPV4,
        buildIpv4({ src: guests.a.ip, dst, protocol: IP_PROTOCOL_UDP, payload: udp(dst) }),
      );
    guests.a.send(toAll(0xffffffff), toAll(ip("172.31.15.255")), guests.a.arpFor("172.31.0.11"));
    turn();
    expect(guests.b.frames).toEqual([]);
    expect(guests.d.frames).toEqual([]);
  });
});

describe("source/destination check", () => {
  it("drops and counts frames from another MAC or another IP", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b"]);
    const otherMac = mac("02:00:00:00:00:99");
    guests.a.send(
      guests.a.ipv4(guests.b.mac, "172.31.0.11", 1, new Uint8Array(8), guests.a.ip, otherMac),
      guests.a.ping(guests.b.mac, "172.31.0.11", 2, ip("172.31.0.50")),
      guests.a.ping(guests.b.mac, "172.31.0.11", 3, guests.b.ip),
    );
    turn();
    expect(guests.b.frames).toEqual([]);
    expect(fabric.counters().dropped.spoofed).toBe(3);
  });

  it("drops an ARP request claiming another instance's address", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b"]);
    const frame = guests.a.arpFor("172.31.0.1");
    frame.set([172, 31, 0, 11], 14 + 14);
    guests.a.send(frame);
    turn();
    expect(guests.a.frames).toEqual([]);
    expect(fabric.counters().dropped.spoofed).toBe(1);
  });
});

describe("bad input", () => {
  it("counts garbage and short frames as unparseable and carries on", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b"]);
    const garbage = [new Uint8Array(0), new Uint8Array(5), Uint8Array.from({ length: 60 }, (_, i) => (i * 37) & 0xff)];
    const badIp = guests.a.ping(guests.b.mac, "172.31.0.11", 1);
    badIp[24] = (badIp[24] ?? 0) ^ 0xff;
    const badArp = buildEthernet(BROADCAST_MAC, guests.a.mac, 0x0806, new Uint8Array(4));
    // From the port's own MAC and claiming to carry IPv4, so only its contents are wrong.
    garbage[2]?.set([...guests.a.mac, 0x08, 0x00], 6);
    guests.a.send(...garbage, badIp, badArp, guests.a.ping(guests.b.mac, "172.31.0.11", 2));
    expect(() => turn()).not.toThrow();
    expect(guests.b.echoes().map((echo) => echo.sequence)).toEqual([2]);
    expect(fabric.counters().dropped.unparseable).toBe(5);
  });

  it("drops frames of a port the topology does not list", () => {
    const { fabric, turn } = fabricWith(["a"]);
    fabric.connect("eni-unknown", () => {
      throw new Error("nothing should be delivered");
    });
    fabric.receive("eni-unknown", [new Uint8Array(60)]);
    turn();
    expect(fabric.counters().dropped.noRoute).toBe(1);
  });
});

describe("fairness", () => {
  it("delivers another pair's traffic in the same turn while a guest floods, and the flooder loses its own frames", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b", "c", "d"]);
    const flood = Array.from({ length: INBOX_LIMITS.maxFrames + 500 }, (_, i) => guests.a.ping(guests.b.mac, "172.31.0.11", i & 0xffff));
    guests.a.send(...flood);
    guests.d.send(guests.d.ping(FABRIC_MAC, "172.31.16.12", 1));
    turn();
    expect(guests.c.echoes().map((echo) => echo.sequence)).toEqual([1]);
    expect(fabric.counters().dropped.queueFull).toBe(500);
    expect(guests.b.batches).toHaveLength(1);
  });

  it("sends each port one batch per turn however many frames it has", () => {
    const { guests, turn } = fabricWith(["a", "b"]);
    guests.a.send(...Array.from({ length: 50 }, (_, i) => guests.a.ping(guests.b.mac, "172.31.0.11", i)));
    turn();
    expect(guests.b.batches.map((batch) => batch.length)).toEqual([50]);
  });

  it("works through a long backlog over later turns", () => {
    const { guests, turn } = fabricWith(["a", "b"]);
    guests.a.send(...Array.from({ length: 1000 }, (_, i) => guests.a.ping(guests.b.mac, "172.31.0.11", i)));
    turn();
    expect(guests.b.frames.length).toBeLessThan(1000);
    turn();
    turn();
    turn();
    expect(guests.b.frames).toHaveLength(1000);
  });
});

// Keeps the metadata address in one place: the ARP test asks for it by its dotted form.
expect(numberToIpv4(METADATA_IP)).toBe("169.254.169.254");
