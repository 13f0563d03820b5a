import { describe, expect, it } from "vitest";
import { FlowLog } from "./flowLog.ts";
import type { FlowPacket } from "./packet.ts";

const A = 0xac1f000a; // 172.31.0.10
const B = 0xac1f000b; // 172.31.0.11
const T0 = 1_764_547_200_000; // 2025-12-01T00:00:00Z

function tcp(srcPort: number, dstPort = 80): FlowPacket {
  return { protocol: 6, srcIp: A, srcPort, dstIp: B, dstPort, icmpType: 0, icmpCode: 0, tcpFlags: 0x10 };
}

describe("flow logs", () => {
  it("sums packets and bytes of one flow and action over the interval", () => {
    const log = new FlowLog();
    log.record("eni-a", tcp(40000), 60, "ACCEPT", T0);
    log.record("eni-a", tcp(40000), 1500, "ACCEPT", T0 + 30_000);
    log.record("eni-a", tcp(40000), 40, "ACCEPT", T0 + 59_999);
    expect(log.records("eni-a")).toEqual([
      {
        networkInterfaceId: "eni-a",
        srcAddr: "172.31.0.10",
        dstAddr: "172.31.0.11",
        srcPort: 40000,
        dstPort: 80,
        protocol: 6,
        packets: 3,
        bytes: 1600,
        start: T0 / 1000,
        end: T0 / 1000 + 59,
        action: "ACCEPT",
      },
    ]);
  });

  it("starts a new record when the interval is over, newest last", () => {
    const log = new FlowLog();
    log.record("eni-a", tcp(40000), 60, "ACCEPT", T0);
    log.record("eni-a", tcp(40000), 70, "ACCEPT", T0 + 60_000);
    expect(log.records("eni-a").map((r) => [r.start - T0 / 1000, r.bytes])).toEqual([
      [0, 60],
      [60, 70],
    ]);
  });

  it("keeps accepted and rejected packets, other flows and other interfaces apart", () => {
    const log = new FlowLog();
    log.record("eni-a", tcp(40000), 60, "ACCEPT", T0);
    log.record("eni-a", tcp(40000), 60, "REJECT", T0 + 1);
    log.record("eni-a", tcp(40001), 60, "ACCEPT", T0 + 2);
    log.record("eni-b", tcp(40000), 60, "ACCEPT", T0 + 3);
    expect(log.records("eni-a").map((r) => `${r.srcPort} ${r.action}`)).toEqual(["40000 ACCEPT", "40000 REJECT", "40001 ACCEPT"]);
    expect(log.records("eni-b")).toHaveLength(1);
    expect(log.records("eni-c")).toEqual([]);
  });

  it("records ICMP and other protocols with ports 0", () => {
    const log = new FlowLog();
    log.record("eni-a", { ...tcp(0, 0), protocol: 1, icmpType: 8, srcPort: 7, dstPort: 9 }, 84, "ACCEPT", T0);
    expect(log.records("eni-a")[0]).toMatchObject({ protocol: 1, srcPort: 0, dstPort: 0 });
  });

  it("keeps only the most recent records of an interface", () => {
    const log = new FlowLog({ recordsPerInterface: 100 });
    for (let port = 0; port < 1000; port++) log.record("eni-a", tcp(port), 60, "ACCEPT", T0 + port);
    const records = log.records("eni-a");
    expect(records).toHaveLength(100);
    expect(records[0]?.srcPort).toBe(900);
    expect(records.at(-1)?.srcPort).toBe(999);
    // A flow whose record was dropped starts a new one.
    log.record("eni-a", tcp(0), 60, "ACCEPT", T0 + 1000);
    expect(log.records("eni-a").at(-1)).toMatchObject({ srcPort: 0, packets: 1 });
  });

  it("forgets an interface", () => {
    const log = new FlowLog();
    log.record("eni-a", tcp(40000), 60, "ACCEPT", T0);
    log.forget("eni-a");
    expect(log.records("eni-a")).toEqual([]);
  });
});
