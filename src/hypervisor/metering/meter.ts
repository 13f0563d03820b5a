/**
 * What an instance costs, as EC2 bills Linux on-demand instances: per second while running,
 * at least 60 seconds for each start; its EBS root volume per GiB-month for as long as the
 * volume exists, running or not; surplus CPU credits of T3 Unlimited when they are settled.
 * Pure: callers pass the time.
 */
import { SURPLUS_CREDIT_PRICE_PER_VCPU_HOUR_USD } from "../instances/instanceTypes.ts";

/** EBS gp3, us-east-1, per GiB-month. */
export const EBS_PRICE_PER_GIB_MONTH_USD = 0.08;
/** AWS prorates monthly prices over 730 hours. */
export const SECONDS_PER_MONTH = 730 * 3600;
/** EC2's minimum charge for each start of a Linux instance. */
const MINIMUM_BILLED_SECONDS = 60;

interface Run {
  readonly pricePerHourUsd: number;
  readonly startMs: number;
  endMs: number | null;
}

export interface Bill {
  readonly computeUsd: number;
  readonly storageUsd: number;
  readonly creditsUsd: number;
  readonly totalUsd: number;
  /** Seconds billed for compute, minimums included. */
  readonly billedSeconds: number;
  /** True while a run is open: the bill grows. */
  readonly accruing: boolean;
}

/** What a meter needs to carry on after a reload. */
export interface MeterState {
  readonly runs: readonly Run[];
  readonly volumeSizeBytes: number;
  readonly volumeCreatedMs: number;
  readonly volumeDeletedMs: number | null;
  readonly surplusCredits: number;
}

/** Storage billed per GiB-month for a span of time. */
export function storageCostUsd(bytes: number, pricePerGibMonthUsd: number, fromMs: number, toMs: number): number {
  return (bytes / 1024 ** 3) * pricePerGibMonthUsd * (Math.max(0, toMs - fromMs) / 1000 / SECONDS_PER_MONTH);
}

/** EBS snapshots, us-east-1 standard tier, per GiB-month of data they hold. */
export const SNAPSHOT_PRICE_PER_GIB_MONTH_USD = 0.05;

export class InstanceMeter {
  readonly #runs: Run[] = [];
  readonly #volumeSizeBytes: number;
  readonly #volumeCreatedMs: number;
  #volumeDeletedMs: number | null = null;
  #surplusCredits = 0;

  constructor(volumeSizeBytes: number, nowMs: number) {
    this.#volumeSizeBytes = volumeSizeBytes;
    this.#volumeCreatedMs = nowMs;
  }

  static fromState(state: MeterState): InstanceMeter {
    const meter = new InstanceMeter(state.volumeSizeBytes, state.volumeCreatedMs);
    for (const run of state.runs) meter.#runs.push({ ...run });
    meter.#volumeDeletedMs = state.volumeDeletedMs;
    meter.#surplusCredits = state.surplusCredits;
    return meter;
  }

  toState(): MeterState {
    return {
      runs: this.#runs.map((run) => ({ ...run })),
      volumeSizeBytes: this.#volumeSizeBytes,
      volumeCreatedMs: this.#volumeCreatedMs,
      volumeDeletedMs: this.#volumeDeletedMs,
      surplusCredits: this.#surplusCredits,
    };
  }

  /** The instance entered running (a launch or a start; not a reboot). */
  startRun(pricePerHourUsd: number, nowMs: number): void {
    if (this.#open()) return;
    this.#runs.push({ pricePerHourUsd, startMs: nowMs, endMs: null });
  }

  /** The instance stopped being billed for compute (stopping, or stopped after a hibernation). */
  endRun(nowMs: number): void {
    const run = this.#open();
    if (run) run.endMs = Math.max(run.startMs, nowMs);
  }

  /** The root volume was deleted (termination): storage stops accruing. */
  deleteVolume(nowMs: number): void {
    this.#volumeDeletedMs ??= nowMs;
  }

  /** Surplus credits settled for charging (T3 Unlimited). */
  chargeSurplusCredits(credits: number): void {
    if (credits > 0) this.#surplusCredits += credits;
  }

  bill(nowMs: number): Bill {
    let computeUsd = 0;
    let billedSeconds = 0;
    for (const run of this.#runs) {
      const seconds = Math.max(MINIMUM_BILLED_SECONDS, ((run.endMs ?? nowMs) - run.startMs) / 1000);
      billedSeconds += seconds;
      computeUsd += (seconds / 3600) * run.pricePerHourUsd;
    }
    const storageUsd = storageCostUsd(
      this.#volumeSizeBytes,
      EBS_PRICE_PER_GIB_MONTH_USD,
      this.#volumeCreatedMs,
      this.#volumeDeletedMs ?? nowMs,
    );
    const creditsUsd = (this.#surplusCredits / 60) * SURPLUS_CREDIT_PRICE_PER_VCPU_HOUR_USD;
    return {
      computeUsd,
      storageUsd,
      creditsUsd,
      totalUsd: computeUsd + storageUsd + creditsUsd,
      billedSeconds,
      accruing: this.#open() !== undefined || this.#volumeDeletedMs === null,
    };
  }

  #open(): Run | undefined {
    const last = this.#runs.at(-1);
    return last && last.endMs === null ? last : undefined;
  }
}
