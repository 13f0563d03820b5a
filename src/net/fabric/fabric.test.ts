import { describe, expect, it } from "vitest";
import { fabricWith } from "./testing/fakeNetwork.ts";

/** The frames of a pcap file, read by its record headers (little-endian, 24-byte file header). */
function pcapFrames(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  expect(view.getUint32(0, true)).toBe(0xa1b2c3d4);
  expect(view.getUint32(20, true)).toBe(1);
  const frames: Uint8Array[] = [];
  for (let offset = 24; offset < file.length;) {
    const length = view.getUint32(offset + 8, true);
    frames.push(file.slice(offset + 16, offset + 16 + length));
    offset += 16 + length;
  }
  return frames;
}

describe("an interface's life", () => {
  it("captures what the port sent and was sent, as a pcap file", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b"]);
    const ping = guests.a.ping(guests.b.mac, "172.31.0.11", 1);
    const reply = guests.b.ping(guests.a.mac, "172.31.0.10", 2);
    const sent = [ping.slice(), reply.slice()];
    guests.a.send(ping);
    guests.b.send(reply);
    turn();
    expect(pcapFrames(fabric.capture("eni-a"))).toEqual(sent);
    expect(pcapFrames(fabric.capture("eni-b"))).toEqual(sent);
  });

  it("keeps the capture and flow log of an unplugged interface, delivers nothing to it, and drops both when forgotten", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b"]);
    guests.a.send(guests.a.ping(guests.b.mac, "172.31.0.11", 1));
    turn();
    fabric.disconnect("eni-b");
    guests.a.send(guests.a.ping(guests.b.mac, "172.31.0.11", 2));
    turn();
    expect(guests.b.echoes().map((echo) => echo.sequence)).toEqual([1]);
    expect(fabric.counters().dropped.noRoute).toBe(1);
    expect(pcapFrames(fabric.capture("eni-b"))).toHaveLength(1);
    expect(fabric.flowLog("eni-b")).toHaveLength(1);

    fabric.forget("eni-b");
    expect(pcapFrames(fabric.capture("eni-b"))).toEqual([]);
    expect(fabric.flowLog("eni-b")).toEqual([]);
  });

  it("still delivers to the other ports when one port's channel throws", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b", "d"]);
    fabric.connect("eni-b", () => {
      throw new Error("the channel is closed");
    });
    guests.a.send(guests.a.ping(guests.b.mac, "172.31.0.11", 1), guests.a.ping(guests.d.mac, "172.31.0.13", 2));
    turn();
    expect(guests.d.echoes().map((echo) => echo.sequence)).toEqual([2]);
    expect(fabric.counters()).toMatchObject({ framesOut: 1, dropped: { noRoute: 1 } });
  });

  it("counts every frame in and every frame delivered", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b"]);
    guests.a.send(guests.a.ping(guests.b.mac, "172.31.0.11", 1), guests.a.arpFor("172.31.0.1"), new Uint8Array(3));
    turn();
    expect(fabric.counters()).toMatchObject({ framesIn: 3, framesOut: 2, dropped: { unparseable: 1 } });
  });
});
