/**
 * Connects the guest's NIC to its frame channel. The guest's frames are gathered during an
 * emulator slice and posted as one FrameBatch when the slice ends, their buffers transferred,
 * never one message per frame; the fabric's batches are handed to the guest as they arrive (which
 * wakes a halted guest), and frames its receive ring has no room for wait for the next slice, in
 * which the guest's driver refills it.
 */
import type { FrameBatch } from "../net/fabricApi.ts";
import type { NicPort } from "./api.ts";

/** What the channel needs of the emulator's NIC (see v86Nic.ts for v86's). */
export interface NicBus {
  /** Calls the listener with each frame the guest sends, inside a slice. */
  onFrame(listener: (frame: Uint8Array) => void): void;
  /** Hands a frame to the guest; only when canReceive says there is room. */
  receive(frame: Uint8Array): void;
  /** Whether the guest's driver has posted a buffer to receive into. */
  canReceive(): boolean;
}

export interface NicCounters {
  readonly framesSent: number;
  readonly framesReceived: number;
  /** Frames from the fabric the guest had no room for, even after waiting. */
  readonly framesDropped: number;
}

/**
 * Frames kept for a guest whose receive ring is full: enough for a burst of a TCP window, few
 * enough that a flood costs bounded memory (virtio-net's ring itself holds 1,024).
 */
export const MAX_HELD_FRAMES = 512;

/**
 * A frame v86 hands over may be a view into a buffer of its own with the device's header in
 * front (virtio-net's 12 bytes) or into the NIC's memory (ne2k): only the first is transferred
 * as it is, the second is copied.
 */
const MAX_OWN_BUFFER_SLACK_BYTES = 16;

export class NicChannel {
  #port: NicPort;
  readonly #bus: NicBus;
  #outgoing: Uint8Array[] = [];
  #held: Uint8Array[] = [];
  #closed = false;
  #sent = 0;
  #received = 0;
  #dropped = 0;

  constructor(port: NicPort, bus: NicBus) {
    this.#port = port;
    this.#bus = bus;
    bus.onFrame((frame) => {
      if (!this.#closed) this.#outgoing.push(frame);
    });
    port.onmessage = (event) => this.#deliver(event.data);
  }

  /**
   * Connects the NIC to another frame channel (an emulator restored ahead of need is handed to
   * its instance): frames meant for the old one are dropped, as on a cable moved to another switch.
   */
  rebind(port: NicPort): void {
    this.#port.onmessage = null;
    this.#port.close();
    this.#outgoing = [];
    this.#held = [];
    this.#port = port;
    port.onmessage = (event) => this.#deliver(event.data);
  }

  get counters(): NicCounters {
    return { framesSent: this.#sent, framesReceived: this.#received, framesDropped: this.#dropped };
  }

  /** The emulator's slice ended: its frames go out as one batch, and held frames go in where the guest made room. */
  afterSlice(): void {
    if (this.#closed) return;
    this.#drainHeld();
    if (this.#outgoing.length === 0) return;
    const frames: Uint8Array[] = [];
    const transfer: ArrayBuffer[] = [];
    const taken = new Set<ArrayBufferLike>();
    for (const frame of this.#outgoing) {
      const owned = frame.buffer instanceof ArrayBuffer && !taken.has(frame.buffer);
      const whole = owned && frame.buffer.byteLength - frame.byteLength <= MAX_OWN_BUFFER_SLACK_BYTES;
      const sendable = whole ? frame : frame.slice();
      taken.add(sendable.buffer);
      frames.push(sendable);
      transfer.push(sendable.buffer as ArrayBuffer);
    }
    this.#outgoing = [];
    this.#sent += frames.length;
    const batch: FrameBatch = { type: "frames", frames };
    this.#port.postMessage(batch, transfer);
  }

  /** The emulator stopped: the last slice's frames go out, then the channel closes. */
  close(): void {
    if (this.#closed) return;
    this.afterSlice();
    this.#closed = true;
    this.#outgoing = [];
    this.#held = [];
    this.#port.onmessage = null;
    this.#port.close();
  }

  #deliver(batch: FrameBatch): void {
    if (this.#closed || batch?.type !== "frames" || !Array.isArray(batch.frames)) return;
    for (const frame of batch.frames) {
      if (!(frame instanceof Uint8Array)) continue;
      // Behind frames already waiting, in order.
      if (this.#held.length === 0 && this.#bus.canReceive()) this.#hand(frame);
      else if (this.#held.length < MAX_HELD_FRAMES) this.#held.push(frame);
      else this.#dropped++;
    }
  }

  #drainHeld(): void {
    let handed = 0;
    while (handed < this.#held.length && this.#bus.canReceive()) this.#hand(this.#held[handed++]!);
    if (handed > 0) this.#held = this.#held.slice(handed);
  }

  #hand(frame: Uint8Array): void {
    this.#received++;
    this.#bus.receive(frame);
  }
}
