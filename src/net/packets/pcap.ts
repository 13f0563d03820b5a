/**
 * Captures as Wireshark and tcpdump read them: the classic pcap format (LINKTYPE_ETHERNET,
 * microsecond timestamps, little-endian), and a bounded ring of an interface's recent frames.
 */

const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
/** Larger than any frame of a 1500-byte MTU: nothing is cut. */
const SNAPLEN_BYTES = 65535;
/** 2 MiB per interface: the last few thousand frames, without letting a flood grow memory. */
const DEFAULT_RING_CAP_BYTES = 2 * 1024 * 1024;

export interface CapturedFrame {
  /** Milliseconds since the epoch (fractions kept to the microsecond). */
  readonly timeMs: number;
  readonly frame: Uint8Array;
}

/** One pcap file holding `frames` in order. */
export function writePcap(frames: readonly CapturedFrame[]): Uint8Array {
  const size = frames.reduce((sum, { frame }) => sum + RECORD_HEADER_BYTES + frame.length, GLOBAL_HEADER_BYTES);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, PCAP_MAGIC_MICROSECONDS, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  // Bytes 8–15 (time zone offset, timestamp accuracy) stay zero, as every writer leaves them.
  view.setUint32(16, SNAPLEN_BYTES, true);
  view.setUint32(20, LINKTYPE_ETHERNET, true);
  let offset = GLOBAL_HEADER_BYTES;
  for (const { timeMs, frame } of frames) {
    const microseconds = Math.round(Math.max(0, timeMs) * 1000);
    view.setUint32(offset, Math.floor(microseconds / 1_000_000), true);
    view.setUint32(offset + 4, microseconds % 1_000_000, true);
    view.setUint32(offset + 8, frame.length, true);
    view.setUint32(offset + 12, frame.length, true);
    bytes.set(frame, offset + RECORD_HEADER_BYTES);
    offset += RECORD_HEADER_BYTES + frame.length;
  }
  return bytes;
}

/**
 * The most recent frames of one interface, at most `capBytes` of pcap records: when a new frame
 * does not fit, the oldest ones are dropped. Frames are copied, so the caller may transfer or
 * reuse its buffers.
 */
export class FrameRing {
  readonly #capBytes: number;
  #frames: CapturedFrame[] = [];
  /** Index of the oldest kept frame: dropping is a move of this index, not a shift. */
  #head = 0;
  #sizeBytes = 0;

  constructor(capBytes: number = DEFAULT_RING_CAP_BYTES) {
    this.#capBytes = capBytes;
  }

  /** Bytes the kept frames take in a pcap file, record headers included. */
  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  get frameCount(): number {
    return this.#frames.length - this.#head;
  }

  push(timeMs: number, frame: Uint8Array): void {
    const recordBytes = RECORD_HEADER_BYTES + frame.length;
    if (recordBytes > this.#capBytes) return;
    while (this.#sizeBytes + recordBytes > this.#capBytes) {
      const oldest = this.#frames[this.#head];
      if (oldest === undefined) break;
      this.#sizeBytes -= RECORD_HEADER_BYTES + oldest.frame.length;
      this.#head += 1;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
    this.#frames.push({ timeMs, frame: frame.slice() });
    this.#sizeBytes += recordBytes;
  }

  frames(): CapturedFrame[] {
    return this.#frames.slice(this.#head);
  }

  toPcap(): Uint8Array {
    return writePcap(this.frames());
  }

  clear(): void {
    this.#frames = [];
    this.#head = 0;
    this.#sizeBytes = 0;
  }
}
