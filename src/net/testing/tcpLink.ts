/**
 * Two TCP stacks joined by an in-memory link for tests: each segment crosses after a latency on
 * a manual clock, and a seeded rule may drop, duplicate or delay it (so it overtakes others).
 */
import type { TcpSegment } from "../packets/tcpSegment.ts";
import { ManualScheduler } from "../tcp/scheduler.ts";
import { TcpStack } from "../tcp/stack.ts";
import type { TcpTuning } from "../tcp/tuning.ts";

export interface LinkFaults {
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
}

const NO_FAULTS: LinkFaults = { drop: 0, duplicate: 0, reorder: 0 };

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function ipv4(text: string): number {
  return text.split(".").reduce((value, part) => (value << 8) | Number(part), 0) >>> 0;
}

export interface Tap {
  readonly segment: TcpSegment;
  readonly ipTtl: number;
  readonly from: "a" | "b";
}

export class TcpLink {
  readonly scheduler = new ManualScheduler();
  readonly a: TcpStack;
  readonly b: TcpStack;
  /** Every segment either side sent, before faults. */
  readonly sent: Tap[] = [];
  faults: LinkFaults;
  /** When false, nothing crosses (a cable pulled). */
  up = true;
  /** Drops the segments it says yes to, once each (a test losing one exact segment). */
  lose: ((segment: TcpSegment, from: "a" | "b") => boolean) | null = null;
  readonly #random: () => number;
  readonly #latencyMs: number;

  constructor(
    options: {
      readonly seed?: number;
      readonly faults?: LinkFaults;
      readonly latencyMs?: number;
      /** Both ends' initial sequence numbers; seeded random ones unless given. */
      readonly initialSequence?: () => number;
      readonly tuningA?: Partial<TcpTuning>;
      readonly tuningB?: Partial<TcpTuning>;
    } = {},
  ) {
    this.#random = seededRandom(options.seed ?? 1);
    this.faults = options.faults ?? NO_FAULTS;
    this.#latencyMs = options.latencyMs ?? 1;
    const sequence = seededRandom((options.seed ?? 1) + 7);
    const initialSequence = options.initialSequence ?? ((): number => Math.floor(sequence() * 2 ** 32));
    this.a = new TcpStack({
      scheduler: this.scheduler,
      initialSequence,
      output: (segment, ipTtl) => this.#carry(segment, ipTtl, "a"),
      ...(options.tuningA ? { tuning: options.tuningA } : {}),
    });
    this.b = new TcpStack({
      scheduler: this.scheduler,
      initialSequence,
      output: (segment, ipTtl) => this.#carry(segment, ipTtl, "b"),
      ...(options.tuningB ? { tuning: options.tuningB } : {}),
    });
  }

  /** Runs the clock from one due callback to the next until `done()` or `limitMs` passed; true when done. */
  runUntil(done: () => boolean, limitMs = 600_000): boolean {
    const end = this.scheduler.now() + limitMs;
    while (!done()) {
      const next = this.scheduler.nextDueMs();
      if (next === null || next > end) {
        this.scheduler.advance(Math.max(0, end - this.scheduler.now()));
        return done();
      }
      this.scheduler.advance(next - this.scheduler.now());
    }
    return true;
  }

  #carry(segment: TcpSegment, ipTtl: number, from: "a" | "b"): void {
    this.sent.push({ segment, ipTtl, from });
    if (!this.up || this.lose?.(segment, from)) return;
    const to = from === "a" ? this.b : this.a;
    if (this.#random() < this.faults.drop) return;
    const copies = this.#random() < this.faults.duplicate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const extra = this.#random() < this.faults.reorder ? 1 + Math.floor(this.#random() * 5) : 0;
      // The payload is copied: the receiver must not depend on the sender's buffer.
      const delivered = { ...segment, payload: segment.payload.slice() };
      this.scheduler.schedule(this.#latencyMs + extra, () => {
        if (this.up) to.receive(delivered);
      });
    }
  }
}
