/**
 * Holds an emulator to its CPU share. The share is a budget of each period that renews at the
 * start of the emulator's own window, on a clock all workers share. A busy emulator spends its
 * budget from that start, so busy instances on one host core run one after another in windows
 * that do not overlap, rather than at once, slowing each other down; one that wakes late runs on
 * that much past its window, so the wake-up costs nothing; an idle one woken mid-period (a key
 * pressed) runs at once on what is left of its budget; a last slice that runs past the budget is
 * paid back from the next. A share of 100% never waits. Pure: time is passed in.
 *
 * The period is long enough that switching between emulators costs little (four busy instances
 * together run as fast as one alone; bench cpu-aggregate), and short enough that a busy
 * instance under contention waits at most a fraction of a second.
 */
export const CPU_PERIOD_MS = 200;
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
  #usedMs = 0;
  #turn: Turn | null = null;

  get sharePct(): number {
    return this.#sharePct;
  }

  /** Host CPU time charged so far, in ms. */
  get usedMs(): number {
    return this.#usedMs;
  }

  /**
   * Gives the emulator sharePct of each period, starting at offsetPct of it (percent of the
   * period, wrapping past its end); `now` is on the clock every worker shares.
   */
  setTurn(sharePct: number, offsetPct: number, now: number): void {
    this.#sharePct = Math.max(0, Math.min(100, sharePct));
    const lengthMs = (this.#sharePct / 100) * CPU_PERIOD_MS;
    const startMs = ((((offsetPct % 100) + 100) % 100) / 100) * CPU_PERIOD_MS;
    // Set mid-period, the window's part already gone counts as spent: a new turn does not run on top of another's.
    const cycle = Math.floor((now - startMs) / CPU_PERIOD_MS);
    const intoCycleMs = now - startMs - cycle * CPU_PERIOD_MS;
    this.#turn = { startMs, lengthMs, cycle, spentMs: Math.min(lengthMs, intoCycleMs) };
  }

  /** How long to wait before the next slice may run; 0 when it may run now. */
  delayMs(now: number): number {
    const turn = this.#turn;
    if (!turn || this.#sharePct >= 100) return 0;
    if (this.#sharePct <= 0) return CPU_PERIOD_MS;
    const cycle = Math.floor((now - turn.startMs) / CPU_PERIOD_MS);
    if (cycle !== turn.cycle) {
      // A last slice that ran past the budget is paid back from the next one, so the share holds over time.
      const overrunMs = cycle === turn.cycle + 1 ? Math.max(0, turn.spentMs - turn.lengthMs) : 0;
      turn.cycle = cycle;
      turn.spentMs = Math.min(overrunMs, turn.lengthMs);
    }
    if (turn.spentMs < turn.lengthMs - TURN_END_GUARD_MS) return 0;
    return turn.startMs + (cycle + 1) * CPU_PERIOD_MS - now;
  }

  /** Charges a slice that ran for `ms` of host time. */
  charge(ms: number): void {
    this.#usedMs += ms;
    if (this.#turn) this.#turn.spentMs += ms;
  }
}
