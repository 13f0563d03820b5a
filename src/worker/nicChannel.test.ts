import { describe, expect, it } from "vitest";
import type { FrameBatch } from "../net/fabricApi.ts";
import type { NicPort } from "./api.ts";
import { MAX_HELD_FRAMES, NicChannel, type NicBus } from "./nicChannel.ts";

/** The port as the fabric sees it: what was posted, with the buffers given for transfer. */
class FakePort implements NicPort {
  onmessage: ((event: { readonly data: FrameBatch }) => void) | null = null;
  readonly posted: { batch: FrameBatch; transfer: ArrayBuffer[] }[] = [];
  closed = false;

  postMessage(batch: FrameBatch, transfer: ArrayBuffer[]): void {
    this.posted.push({ batch, transfer });
  }

  close(): void {
    this.closed = true;
  }

  /** The fabric sends a batch to the guest. */
  arrive(...frames: Uint8Array[]): void {
    this.onmessage?.({ data: { type: "frames", frames } });
  }
}

/** A NIC like v86's virtio-net: each sent frame a view past a 12-byte header in a fresh buffer; a receive ring of `room` buffers. */
class FakeNic implements NicBus {
  room = 1024;
  readonly received: Uint8Array[] = [];
  #listener: ((frame: Uint8Array) => void) | null = null;

  onFrame(listener: (frame: Uint8Array) => void): void {
    this.#listener = listener;
  }

  receive(frame: Uint8Array): void {
    if (this.room === 0) throw new Error("the guest had no buffer to receive into");
    this.room--;
    this.received.push(frame);
  }

  canReceive(): boolean {
    return this.room > 0;
  }

  /** The guest sends a frame, as virtio-net hands it over. */
  send(payload: number[]): Uint8Array {
    const buffer = new Uint8Array(12 + payload.length);
    buffer.set(payload, 12);
    const frame = buffer.subarray(12);
    this.#listener?.(frame);
    return frame;
  }

  /** The guest sends a frame as ne2k does: a view into the NIC's own memory. */
  sendFromSharedMemory(memory: Uint8Array, offset: number, length: number): void {
    this.#listener?.(memory.subarray(offset, offset + length));
  }
}

const bytesOf = (batch: FrameBatch) => batch.frames.map((frame) => [...frame]);

describe("NicChannel", () => {
  it("posts the frames of one slice as one message, not one per frame", () => {
    const port = new FakePort();
    const nic = new FakeNic();
    const channel = new NicChannel(port, nic);
    nic.send([1, 1]);
    nic.send([2, 2, 2]);
    nic.send([3]);
    expect(port.posted).toEqual([]);
    channel.afterSlice();
    expect(port.posted).toHaveLength(1);
    expect(bytesOf(port.posted[0]!.batch)).toEqual([[1, 1], [2, 2, 2], [3]]);
    nic.send([4]);
    channel.afterSlice();
    channel.afterSlice();
    expect(port.posted.map((post) => bytesOf(post.batch))).toEqual([[[1, 1], [2, 2, 2], [3]], [[4]]]);
    expect(channel.counters.framesSent).toBe(4);
  });

  it("transfers each frame's own buffer as it is, without copying", () => {
    const port = new FakePort();
    const nic = new FakeNic();
    const channel = new NicChannel(port, nic);
    const first = nic.send([1, 2, 3]);
    const second = nic.send([4, 5]);
    channel.afterSlice();
    const { batch, transfer } = port.posted[0]!;
    expect(batch.frames[0]).toBe(first);
    expect(batch.frames[1]).toBe(second);
    expect(transfer).toEqual([first.buffer, second.buffer]);
  });

  it("copies frames that are views into the NIC's memory, so its memory is never transferred away", () => {
    const port = new FakePort();
    const nic = new FakeNic();
    const channel = new NicChannel(port, nic);
    const memory = new Uint8Array(32 * 1024).map((_, i) => i & 0xff);
    nic.sendFromSharedMemory(memory, 100, 4);
    nic.sendFromSharedMemory(memory, 200, 2);
    channel.afterSlice();
    const { batch, transfer } = port.posted[0]!;
    expect(bytesOf(batch)).toEqual([
      [100, 101, 102, 103],
      [200, 201],
    ]);
    expect(transfer).toHaveLength(2);
    expect(transfer).not.toContain(memory.buffer);
    expect(new Set(transfer).size).toBe(2);
  });

  it("hands the fabric's frames to the guest as they arrive, in order", () => {
    const port = new FakePort();
    const nic = new FakeNic();
    const channel = new NicChannel(port, nic);
    port.arrive(Uint8Array.of(1), Uint8Array.of(2));
    port.arrive(Uint8Array.of(3));
    expect(nic.received.map((frame) => [...frame])).toEqual([[1], [2], [3]]);
    expect(channel.counters.framesReceived).toBe(3);
  });

  it("keeps frames the guest has no room for until a slice in which it makes room, behind none of the later ones", () => {
    const port = new FakePort();
    const nic = new FakeNic();
    const channel = new NicChannel(port, nic);
    nic.room = 1;
    port.arrive(Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3));
    expect(nic.received.map((frame) => [...frame])).toEqual([[1]]);
    // The driver refilled its ring during the slice; a frame arriving meanwhile queues behind the held ones.
    nic.room = 1;
    port.arrive(Uint8Array.of(4));
    expect(nic.received).toHaveLength(1);
    nic.room = 10;
    channel.afterSlice();
    expect(nic.received.map((frame) => [...frame])).toEqual([[1], [2], [3], [4]]);
  });

  it("drops what does not fit in its bounded queue, and counts it", () => {
    const port = new FakePort();
    const nic = new FakeNic();
    const channel = new NicChannel(port, nic);
    nic.room = 0;
    port.arrive(...Array.from({ length: MAX_HELD_FRAMES + 5 }, (_, i) => Uint8Array.of(i & 0xff)));
    expect(channel.counters.framesDropped).toBe(5);
    nic.room = MAX_HELD_FRAMES;
    channel.afterSlice();
    expect(nic.received).toHaveLength(MAX_HELD_FRAMES);
  });

  it("ignores messages that are not frame batches", () => {
    const port = new FakePort();
    const nic = new FakeNic();
    new NicChannel(port, nic);
    port.onmessage?.({ data: { type: "nonsense" } as unknown as FrameBatch });
    port.onmessage?.({ data: { type: "frames", frames: ["not bytes"] } as unknown as FrameBatch });
    expect(nic.received).toEqual([]);
  });

  it("posts the last slice's frames, then closes the port and hears nothing more", () => {
    const port = new FakePort();
    const nic = new FakeNic();
    const channel = new NicChannel(port, nic);
    nic.send([9]);
    const onmessage = port.onmessage;
    channel.close();
    expect(port.posted.map((post) => bytesOf(post.batch))).toEqual([[[9]]]);
    expect(port.closed).toBe(true);
    onmessage?.({ data: { type: "frames", frames: [Uint8Array.of(1)] } });
    nic.send([10]);
    channel.afterSlice();
    expect(nic.received).toEqual([]);
    expect(port.posted).toHaveLength(1);
  });
});
