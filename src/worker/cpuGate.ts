/**
 * Holds an emulator to its CPU share: a token bucket of host-CPU milliseconds. Each slice of
 * the emulator's main loop is charged its wall time; when the bucket is empty the next slice
 * waits until the share has refilled it. A share of 100% never waits. Pure: time is passed in.
 */
export const CPU_PERIOD_MS = 50;

export class CpuGate {
  #sharePct = 100;
  #tokensMs = CPU_PERIOD_MS;
  #lastRefill: number;
  #usedMs = 0;

  constructor(now: number) {
    this.#lastRefill = now;
  }

  get sharePct(): number {
    return this.#sharePct;
  }

  /** Host CPU time charged so far, in ms. */
  get usedMs(): number {
    return this.#usedMs;
  }

  setShare(sharePct: number, now: number): void {
    this.#refill(now);
    this.#sharePct = Math.max(0, Math.min(100, sharePct));
    this.#tokensMs = Math.min(this.#tokensMs, this.#capacity());
  }

  /** How long to wait before the next slice may run; 0 when it may run now. */
  delayMs(now: number): number {
    this.#refill(now);
    if (this.#tokensMs > 0 || this.#sharePct >= 100) return 0;
    if (this.#sharePct <= 0) return CPU_PERIOD_MS;
    return Math.ceil(-this.#tokensMs / (this.#sharePct / 100)) || 1;
  }

  /** Charges a slice that ran for `ms` of host time. */
  charge(ms: number): void {
    this.#usedMs += ms;
    if (this.#sharePct < 100) this.#tokensMs -= ms;
  }

  #capacity(): number {
    return (this.#sharePct / 100) * CPU_PERIOD_MS;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#lastRefill);
    this.#lastRefill = now;
    this.#tokensMs = Math.min(this.#capacity(), this.#tokensMs + (elapsed * this.#sharePct) / 100);
  }
}
