/**
 * Once per sampling interval: reads every running emulator's counters into CloudWatch-style
 * samples (utilisation, speed, credits), accounts CPU credits, re-divides the CPU, and every
 * tenth time asks each guest agent whether it is alive.
 */
import type { InstanceStats } from "../../worker/api.ts";
import type { InstanceRecord } from "../instances/record.ts";
import { METRIC_SAMPLES_KEPT, rates, type CounterReading } from "./monitoring.ts";

/** How often a running instance's agent is asked whether it is alive, in samples. */
const AGENT_PING_EVERY_SAMPLES = 10;

export interface SamplerContext {
  running(): InstanceRecord[];
  reschedule(): Promise<void>;
  checkAgent(record: InstanceRecord): Promise<void>;
  /** New samples, shares or bills are there to show. */
  sampled(): void;
}

export class Sampler {
  readonly #ctx: SamplerContext;
  #busy = false;
  #samples = 0;

  constructor(context: SamplerContext) {
    this.#ctx = context;
  }

  async sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const running = this.#ctx.running();
      await Promise.all(running.map((record) => this.#read(record)));
      await this.#ctx.reschedule();
      if (++this.#samples % AGENT_PING_EVERY_SAMPLES === 0) await Promise.all(running.map((record) => this.#ctx.checkAgent(record)));
      this.#ctx.sampled();
    } finally {
      this.#busy = false;
    }
  }

  async #read(record: InstanceRecord): Promise<void> {
    const runtime = record.runtime;
    let stats: InstanceStats;
    try {
      const worker = runtime.worker;
      if (!worker) return;
      stats = await worker.api.stats();
    } catch {
      return;
    }
    const reading: CounterReading = { wallMs: performance.now(), cpuTimeMs: stats.cpuTimeMs, instructions: stats.instructions };
    const previous = runtime.lastReading;
    runtime.lastReading = reading;
    if (!previous || reading.cpuTimeMs < previous.cpuTimeMs) return;
    const { cpuUtilizationPct, instructionsPerSecond, seconds } = rates(previous, reading);
    const credits = record.config.credits;
    credits?.record(seconds, cpuUtilizationPct);
    runtime.metrics.push({
      timestamp: Date.now(),
      cpuUtilizationPct,
      instructionsPerSecond,
      cpuSharePct: runtime.cpuSharePct,
      cpuCreditBalance: credits?.balance ?? null,
      cpuSurplusCredits: credits ? credits.surplus : null,
    });
    if (runtime.metrics.length > METRIC_SAMPLES_KEPT) runtime.metrics.splice(0, runtime.metrics.length - METRIC_SAMPLES_KEPT);
  }
}
