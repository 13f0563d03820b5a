/**
 * The retransmission timeout of one connection (RFC 6298): smoothed round-trip time and its
 * variance from one timed segment at a time, never a retransmitted one (Karn), doubled on each
 * timeout up to a ceiling.
 */
import { seqLt } from "./seq.ts";
import type { TcpTuning } from "./tuning.ts";

export class RetransmitTimeout {
  readonly #tuning: TcpTuning;
  #rtoMs: number;
  #srtt: number | null = null;
  #rttVar = 0;
  /** The segment being timed: the sequence number its ACK reaches, and when it left. */
  #sample: { readonly seq: number; readonly at: number } | null = null;

  constructor(tuning: TcpTuning) {
    this.#tuning = tuning;
    this.#rtoMs = tuning.initialRtoMs;
  }

  get ms(): number {
    return this.#rtoMs;
  }

  /** Times the segment whose ACK will reach `seq`, unless one is being timed already. */
  time(seq: number, nowMs: number): void {
    this.#sample ??= { seq, at: nowMs };
  }

  /** Something was sent again: nothing in flight may be timed now. */
  forget(): void {
    this.#sample = null;
  }

  /** New data was acknowledged up to `ack`: take the sample if it covers the timed segment, and undo any backoff. */
  acknowledged(ack: number, nowMs: number): void {
    const sample = this.#sample;
    if (sample && !seqLt(ack, sample.seq)) {
      this.#sample = null;
      const rtt = nowMs - sample.at;
      if (this.#srtt === null) {
        this.#srtt = rtt;
        this.#rttVar = rtt / 2;
      } else {
        this.#rttVar = 0.75 * this.#rttVar + 0.25 * Math.abs(this.#srtt - rtt);
        this.#srtt = 0.875 * this.#srtt + 0.125 * rtt;
      }
    }
    const { initialRtoMs, minRtoMs, maxRtoMs } = this.#tuning;
    this.#rtoMs = this.#srtt === null ? initialRtoMs : Math.min(maxRtoMs, Math.max(minRtoMs, this.#srtt + 4 * this.#rttVar));
  }

  /** A timeout: wait twice as long next time. */
  backOff(): void {
    this.#rtoMs = Math.min(this.#rtoMs * 2, this.#tuning.maxRtoMs);
    this.#sample = null;
  }
}
