import { describe, expect, it } from "vitest";
import { hex, toHex } from "./fixtures/hex.ts";
import { ARP_REQUEST_FROM_LINUX, ICMP_ECHO_REQUEST_FROM_LINUX } from "./fixtures/hostCapture.ts";
import { FrameRing, writePcap } from "./pcap.ts";

function u32le(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
}

describe("a pcap file", () => {
  it("starts with the classic header: microseconds, version 2.4, Ethernet", () => {
    expect(toHex(writePcap([]))).toBe("d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "ffff0000" + "01000000");
  });

  it("holds each frame after a record header of seconds, microseconds and two lengths", () => {
    const arp = hex(ARP_REQUEST_FROM_LINUX);
    const ping = hex(ICMP_ECHO_REQUEST_FROM_LINUX);
    const file = writePcap([
      { timeMs: 1_780_000_000_123.456, frame: arp },
      { timeMs: 1_780_000_001_000, frame: ping },
    ]);
    expect(file.length).toBe(24 + 16 + arp.length + 16 + ping.length);
    expect([u32le(file, 24), u32le(file, 28), u32le(file, 32), u32le(file, 36)]).toEqual([1_780_000_000, 123_456, arp.length, arp.length]);
    expect(toHex(file.subarray(40, 40 + arp.length))).toBe(ARP_REQUEST_FROM_LINUX);
    const second = 40 + arp.length;
    expect([u32le(file, second), u32le(file, second + 4), u32le(file, second + 8)]).toEqual([1_780_000_001, 0, ping.length]);
    expect(toHex(file.subarray(second + 16))).toBe(ICMP_ECHO_REQUEST_FROM_LINUX);
  });
});

describe("an interface's ring of recent frames", () => {
  it("keeps copies, so the sender may reuse its buffers", () => {
    const ring = new FrameRing(1024);
    const frame = hex(ARP_REQUEST_FROM_LINUX);
    ring.push(1, frame);
    frame.fill(0);
    expect(toHex(ring.frames()[0]?.frame ?? new Uint8Array(0))).toBe(ARP_REQUEST_FROM_LINUX);
  });

  it("drops the oldest frames to stay within its cap", () => {
    const ring = new FrameRing(3 * (16 + 100));
    for (let i = 0; i < 5; i++) ring.push(i, new Uint8Array(100).fill(i));
    expect(ring.frameCount).toBe(3);
    expect(ring.sizeBytes).toBe(3 * 116);
    expect(ring.frames().map(({ frame }) => frame[0])).toEqual([2, 3, 4]);
    expect(ring.toPcap().length).toBe(24 + 3 * 116);
  });

  it("stays within its cap through a long flood", () => {
    const ring = new FrameRing(10_000);
    for (let i = 0; i < 20_000; i++) ring.push(i, new Uint8Array(60 + (i % 1454)).fill(i & 0xff));
    expect(ring.sizeBytes).toBeLessThanOrEqual(10_000);
    const frames = ring.frames();
    expect(frames.at(-1)?.timeMs).toBe(19_999);
    expect(frames.reduce((sum, { frame }) => sum + 16 + frame.length, 0)).toBe(ring.sizeBytes);
  });

  it("ignores a frame larger than its whole cap, and empties on clear", () => {
    const ring = new FrameRing(100);
    ring.push(0, new Uint8Array(60));
    ring.push(1, new Uint8Array(200));
    expect(ring.frameCount).toBe(1);
    ring.clear();
    expect(ring.frameCount).toBe(0);
    expect(ring.toPcap().length).toBe(24);
  });
});
