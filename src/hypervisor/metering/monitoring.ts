/**
 * Per-instance CPU monitoring, sampled as CloudWatch's basic metrics are (here every second):
 * utilisation as a share of one host core, instructions per second, credit balance.
 */
export interface MetricSample {
  /** Epoch ms at the end of the interval. */
  readonly timestamp: number;
  /** Share of one host core used during the interval, in percent. */
  readonly cpuUtilizationPct: number;
  readonly instructionsPerSecond: number;
  /** The share the scheduler granted, in percent of one host core. */
  readonly cpuSharePct: number;
  /** CPU credit balance (burstable types), else null. */
  readonly cpuCreditBalance: number | null;
  /** Surplus credits borrowed and not yet repaid (T3 Unlimited), else null. */
  readonly cpuSurplusCredits: number | null;
}

/** How many samples an instance keeps: five minutes at one a second. */
export const METRIC_SAMPLES_KEPT = 300;

export interface CounterReading {
  readonly wallMs: number;
  readonly cpuTimeMs: number;
  readonly instructions: number;
}

/** Utilisation and speed between two readings of the same emulator. */
export function rates(
  previous: CounterReading,
  current: CounterReading,
): { cpuUtilizationPct: number; instructionsPerSecond: number; seconds: number } {
  const seconds = Math.max(1e-3, (current.wallMs - previous.wallMs) / 1000);
  return {
    seconds,
    cpuUtilizationPct: Math.max(0, Math.min(100, ((current.cpuTimeMs - previous.cpuTimeMs) / 1000 / seconds) * 100)),
    instructionsPerSecond: Math.max(0, (current.instructions - previous.instructions) / seconds),
  };
}
