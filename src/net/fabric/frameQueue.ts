/**
 * A bounded queue of frames, by count and by bytes. Every port has one for what it sends and one
 * for what it receives, so a guest that floods fills only its own queues and loses its own frames.
 */
export interface FrameQueueLimits {
  readonly maxFrames: number;
  readonly maxBytes: number;
}

export class FrameQueue {
  readonly #limits: FrameQueueLimits;
  #frames: Uint8Array[] = [];
  /** Where the next frame to take is: taking from the front does not shift the array. */
  #head = 0;
  #bytes = 0;

  constructor(limits: FrameQueueLimits) {
    this.#limits = limits;
  }

  get length(): number {
    return this.#frames.length - this.#head;
  }

  /** False, and the frame is not kept, when the queue is full. */
  push(frame: Uint8Array): boolean {
    if (this.length >= this.#limits.maxFrames || this.#bytes + frame.length > this.#limits.maxBytes) return false;
    this.#frames.push(frame);
    this.#bytes += frame.length;
    return true;
  }

  /** Up to `count` frames from the front, oldest first. */
  take(count: number): Uint8Array[] {
    const end = Math.min(this.#frames.length, this.#head + count);
    const taken = this.#frames.slice(this.#head, end);
    this.#head = end;
    for (const frame of taken) this.#bytes -= frame.length;
    if (this.#head === this.#frames.length) {
      this.#frames = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }

  takeAll(): Uint8Array[] {
    return this.take(this.length);
  }

  clear(): void {
    this.#frames = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
