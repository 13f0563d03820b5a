/**
 * Holds an emulator to its CPU share. With a turn (the hypervisor's usual way) the emulator
 * gets its share of each period as a budget that renews at its own window's start, on a clock
 * all workers share. A busy emulator spends its budget from that start, so busy instances on
 * one host core run one after another in windows that do not overlap, rather than at once,
 * slowing each other down; one that wakes late runs on that much past its window, so the
 * wake-up costs nothing; an idle one that wakes mid-period (a key pressed) runs at once on
 * what is left of its budget. Without a turn, a token bucket of host-CPU
 * milliseconds holds it to its share: each slice is charged its wall time, and when the bucket
 * is empty the next slice waits until the share has refilled it. A share of 100% never waits.
 * Pure: time is passed in.
 */
export const CPU_PERIOD_MS = 50;
/** A slice is not begun with less budget than this left: it would run on into the next window. */
export const TURN_END_GUARD_MS = 0.5;

interface Turn {
  readonly startMs: number;
  readonly lengthMs: number;
  /** The period (counted from startMs) whose budget is being spent, and what was spent of it. */
  cycle: number;
  spentMs: number;
}

export class CpuGate {
  #sharePct = 100;
  #tokensMs = CPU_PERIOD_MS;
  #lastRefill: number;
  #usedMs = 0;
  #turn: Turn | null = null;

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

  /**
   * Runs the emulator in the window [offset, offset + share) of each period, in percent of the
   * period, wrapping past its end; `now` is on the clock every worker shares.
   */
  setTurn(sharePct: number, offsetPct: number, now: number): void {
    this.setShare(sharePct, now);
    const lengthMs = (this.#sharePct / 100) * CPU_PERIOD_MS;
    const startMs = ((((offsetPct % 100) + 100) % 100) / 100) * CPU_PERIOD_MS;
    this.#turn = { startMs, lengthMs, cycle: Number.NEGATIVE_INFINITY, spentMs: 0 };
  }

  /** How long to wait before the next slice may run; 0 when it may run now. */
  delayMs(now: number): number {
    if (this.#turn) return this.#turnDelayMs(this.#turn, now);
    this.#refill(now);
    if (this.#tokensMs > 0 || this.#sharePct >= 100) return 0;
    if (this.#sharePct <= 0) return CPU_PERIOD_MS;
    return Math.ceil(-this.#tokensMs / (this.#sharePct / 100)) || 1;
  }

  /** Charges a slice that ran for `ms` of host time. */
  charge(ms: number): void {
    this.#usedMs += ms;
    if (this.#turn) this.#turn.spentMs += ms;
    else if (this.#sharePct < 100) this.#tokensMs -= ms;
  }

  #turnDelayMs(turn: Turn, now: number): number {
    if (this.#sharePct >= 100) return 0;
    if (this.#sharePct <= 0) return CPU_PERIOD_MS;
    const cycle = Math.floor((now - turn.startMs) / CPU_PERIOD_MS);
    if (cycle !== turn.cycle) {
      turn.cycle = cycle;
      turn.spentMs = 0;
    }
    if (turn.spentMs < turn.lengthMs - TURN_END_GUARD_MS) return 0;
    return turn.startMs + (cycle + 1) * CPU_PERIOD_MS - now;
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
