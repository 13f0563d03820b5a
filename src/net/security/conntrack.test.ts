import { describe, expect, it } from "vitest";
import { ConnectionTracker, EC2_CONNTRACK_TIMEOUTS } from "./conntrack.ts";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type FlowPacket } from "./packet.ts";

const A = 0xac1f000a; // 172.31.0.10
const B = 0xac1f000b; // 172.31.0.11

function packet(protocol: number, srcIp: number, srcPort: number, dstIp: number, dstPort: number, tcpFlags = 0): FlowPacket {
  return { protocol, srcIp, srcPort, dstIp, dstPort, icmpType: 0, icmpCode: 0, tcpFlags };
}

/** A's connection from port 40000 to B's port 80, and B's packets back. */
const out = (flags: number) => packet(6, A, 40000, B, 80, flags);
const back = (flags: number) => packet(6, B, 80, A, 40000, flags);
const udpOut = packet(17, A, 40000, B, 53);
const udpBack = packet(17, B, 53, A, 40000);
const pingOut = { ...packet(1, A, 0, B, 0), icmpType: 8 };
const pingBack = { ...packet(1, B, 0, A, 0), icmpType: 0 };
const greOut = packet(47, A, 0, B, 0);
const greBack = packet(47, B, 0, A, 0);

const HANDSHAKE = [out(TCP_SYN), back(TCP_SYN | TCP_ACK), out(TCP_ACK)];

/** Opens a flow with the first packet, plays the rest at time 0, and asks whether `probe` still passes at `atMs`. */
function passesAt(packets: readonly FlowPacket[], probe: FlowPacket, atMs: number): boolean {
  const tracker = new ConnectionTracker();
  const [first, ...rest] = packets;
  if (!first) throw new Error("no packets");
  tracker.open(first, 0);
  for (const p of rest) expect(tracker.continues(p, 0)).toBe(true);
  return tracker.continues(probe, atMs);
}

describe("connection tracking", () => {
  it("lets the reply of a tracked flow pass, and the flow go on both ways", () => {
    const tracker = new ConnectionTracker();
    tracker.open(out(TCP_SYN), 0);
    expect(tracker.continues(back(TCP_SYN | TCP_ACK), 1)).toBe(true);
    expect(tracker.continues(out(TCP_ACK), 2)).toBe(true);
    expect(tracker.continues(back(TCP_ACK), 3)).toBe(true);
  });

  it("does not let a new flow in the reverse direction pass", () => {
    const tracker = new ConnectionTracker();
    tracker.open(out(TCP_SYN), 0);
    expect(tracker.continues(packet(6, B, 40001, A, 22, TCP_SYN), 1)).toBe(false);
    expect(tracker.continues(packet(6, B, 80, A, 40001, TCP_SYN), 1)).toBe(false);
    expect(tracker.continues(packet(17, B, 80, A, 40000), 1)).toBe(false);
  });

  it("tracks UDP replies and ICMP echo replies", () => {
    const tracker = new ConnectionTracker();
    tracker.open(udpOut, 0);
    tracker.open(pingOut, 0);
    expect(tracker.continues(udpBack, 1)).toBe(true);
    expect(tracker.continues(pingBack, 1)).toBe(true);
  });

  it("tells pings apart by the echo identifier carried in the ports", () => {
    const tracker = new ConnectionTracker();
    tracker.open({ ...pingOut, srcPort: 7, dstPort: 7 }, 0);
    expect(tracker.continues({ ...pingBack, srcPort: 7, dstPort: 7 }, 1)).toBe(true);
    expect(tracker.continues({ ...pingBack, icmpType: 8, srcPort: 9, dstPort: 9 }, 1)).toBe(false);
  });

  it("makes a new connection on a closed flow's ports pass the rules again", () => {
    const tracker = new ConnectionTracker();
    tracker.open(out(TCP_SYN), 0);
    for (const p of [back(TCP_SYN | TCP_ACK), out(TCP_ACK), out(TCP_RST)]) tracker.continues(p, 0);
    expect(tracker.continues(out(TCP_SYN), 1)).toBe(false);
  });

  const T = EC2_CONNTRACK_TIMEOUTS;
  it.each([
    ["a TCP handshake never answered", [out(TCP_SYN)], out(TCP_SYN), T.tcpUnestablishedMs, 60_000],
    ["a TCP handshake answered but not completed", [out(TCP_SYN), back(TCP_SYN | TCP_ACK)], out(TCP_ACK), T.tcpUnestablishedMs, 60_000],
    ["a TCP flow seen one way only", [out(TCP_ACK), out(TCP_ACK)], out(TCP_ACK), T.tcpUnestablishedMs, 60_000],
    ["an established TCP connection", HANDSHAKE, back(TCP_ACK), T.tcpEstablishedMs, 432_000_000],
    ["a TCP connection closed by one side only", [...HANDSHAKE, out(TCP_FIN | TCP_ACK)], back(TCP_ACK), T.tcpEstablishedMs, 432_000_000],
    [
      "a TCP connection with a FIN from each side",
      [...HANDSHAKE, out(TCP_FIN | TCP_ACK), back(TCP_FIN | TCP_ACK)],
      out(TCP_ACK),
      T.tcpClosingMs,
      10_000,
    ],
    ["a TCP connection reset", [...HANDSHAKE, back(TCP_RST)], out(TCP_ACK), T.tcpClosingMs, 10_000],
    ["UDP one way", [udpOut, udpOut], udpOut, T.udpMs, 30_000],
    ["UDP with one request and response", [udpOut, udpBack], udpOut, T.udpMs, 30_000],
    ["a UDP stream (two requests and responses)", [udpOut, udpBack, udpOut, udpBack], udpOut, T.udpStreamMs, 180_000],
    ["ICMP", [pingOut, pingBack], pingOut, T.icmpMs, 60_000],
    ["another protocol (GRE)", [greOut], greBack, T.otherMs, 600_000],
  ])("%s idles out at exactly its timeout", (_name, packets, probe, timeoutMs, documentedMs) => {
    expect(timeoutMs).toBe(documentedMs);
    expect(passesAt(packets, probe, timeoutMs - 1)).toBe(true);
    expect(passesAt(packets, probe, timeoutMs)).toBe(false);
  });

  it("restarts the idle clock on every packet", () => {
    const tracker = new ConnectionTracker();
    tracker.open(udpOut, 0);
    expect(tracker.continues(udpOut, 29_999)).toBe(true);
    expect(tracker.continues(udpOut, 59_998)).toBe(true);
    expect(tracker.continues(udpOut, 89_998)).toBe(false);
  });

  it("holds at most its capacity, forgetting the flow idle longest", () => {
    const tracker = new ConnectionTracker({ capacity: 3 });
    const flow = (port: number) => packet(17, A, port, B, 53);
    tracker.open(flow(1), 0);
    tracker.open(flow(2), 1);
    tracker.open(flow(3), 2);
    expect(tracker.continues(flow(1), 3)).toBe(true);
    tracker.open(flow(4), 4);
    expect(tracker.size).toBe(3);
    expect(tracker.evicted).toBe(1);
    expect(tracker.continues(flow(2), 5)).toBe(false);
    expect([1, 3, 4].map((port) => tracker.continues(flow(port), 5))).toEqual([true, true, true]);
  });

  it("stays bounded under a flood of new flows", () => {
    const tracker = new ConnectionTracker({ capacity: 1000 });
    for (let port = 0; port < 50_000; port++) tracker.open(packet(17, A, port, B, 9), port);
    expect(tracker.size).toBe(1000);
    expect(tracker.continues(packet(17, B, 9, A, 49_999), 50_000)).toBe(true);
  });

  it("refuses new flows past an interface's allowance, leaving the others' flows alone", () => {
    const tracker = new ConnectionTracker({ capacity: 100, perOpener: 10 });
    tracker.open(out(TCP_SYN), 0, "eni-a");
    const flood = (port: number) => packet(17, B, port, A, 9);
    for (let port = 0; port < 10; port++) expect(tracker.open(flood(port), 1, "eni-b")).toBe(true);
    expect(tracker.open(flood(10), 2, "eni-b")).toBe(false);
    expect(tracker.open(packet(17, A, 1, B, 9), 2, "eni-a")).toBe(true);
    expect(tracker.continues(back(TCP_SYN | TCP_ACK), 3)).toBe(true);
    // Once its flows idle out, the interface may open new ones.
    tracker.sweep(30_001);
    expect(tracker.open(flood(10), 30_001, "eni-b")).toBe(true);
  });

  it("counts an interface's flows forgotten to make room against its allowance no more", () => {
    const tracker = new ConnectionTracker({ capacity: 3, perOpener: 4 });
    for (let port = 0; port < 6; port++) expect(tracker.open(packet(17, A, port, B, 9), port, "eni-a")).toBe(true);
    expect(tracker.size).toBe(3);
  });

  it("sweeps away the flows idle past their timeout and keeps the others", () => {
    const tracker = new ConnectionTracker();
    tracker.open(udpOut, 0);
    tracker.open(pingOut, 0);
    tracker.open(out(TCP_SYN), 0);
    for (const p of HANDSHAKE.slice(1)) tracker.continues(p, 0);
    expect(tracker.sweep(29_999)).toBe(0);
    expect(tracker.sweep(30_000)).toBe(1);
    expect(tracker.sweep(60_000)).toBe(1);
    expect(tracker.size).toBe(1);
    expect(tracker.continues(back(TCP_ACK), 60_000)).toBe(true);
  });

  it("forgets an address's flows", () => {
    const tracker = new ConnectionTracker();
    tracker.open(out(TCP_SYN), 0);
    tracker.open(packet(17, 0xac1f000c, 1, 0xac1f000d, 2), 0);
    tracker.forgetAddress(B);
    expect(tracker.continues(back(TCP_SYN | TCP_ACK), 1)).toBe(false);
    expect(tracker.size).toBe(1);
  });
});
