/**
 * Once per sampling interval: reads every running emulator's counters into CloudWatch-style
 * samples (utilisation, speed, credits), accounts CPU credits, re-divides the CPU, and every
 * tenth time asks each guest agent whether it is alive. A worker that stops answering fails the
 * system status check, and passes it again when it answers.
 */
import type { InstanceStats } from "../../worker/api.ts";
import type { InstanceRecord } from "../instances/record.ts";
import type { InstanceWorkerHandle } from "../platform/workerHost.ts";
import { METRIC_SAMPLES_KEPT, rates, type CounterReading } from "./monitoring.ts";

/** How often a running instance's agent is asked whether it is alive, in samples. */
const AGENT_PING_EVERY_SAMPLES = 10;
/**
 * A worker that has not answered a counter reading for this many samples fails the system status
 * check. It answers between two slices of its emulator, milliseconds apart, so five seconds at the
 * default period is a thread that is stuck, not busy; counted in samples rather than milliseconds,
 * a page that was itself held up (a long task, a throttled background tab) does not blame its workers.
 */
export const WORKER_DEADLINE_SAMPLES = 5;

export interface SamplerContext {
  running(): InstanceRecord[];
  reschedule(): Promise<void>;
  checkAgent(record: InstanceRecord): Promise<void>;
  /** The system status check: whether the instance's worker answers. */
  workerAnswers(record: InstanceRecord, answers: boolean): void;
  /** New samples, shares or bills are there to show. */
  sampled(): void;
}

/** A counter reading asked of a worker and not answered yet. */
interface Asked {
  readonly worker: InstanceWorkerHandle;
  readonly atSample: number;
  late: boolean;
}

export class Sampler {
  readonly #ctx: SamplerContext;
  #busy = false;
  /** Lets the sample under way go on without the answers it still waits for. */
  #giveUp: (() => void) | null = null;
  #samples = 0;
  readonly #asked = new WeakMap<InstanceRecord, Asked>();

  constructor(context: SamplerContext) {
    this.#ctx = context;
  }

  /**
   * A sample waits for the workers' answers until the next one is due: a worker that hangs holds
   * up one sample at most, and is not asked again until it answers (its late answer still counts).
   */
  async sample(): Promise<void> {
    const sample = ++this.#samples;
    const running = this.#ctx.running();
    this.#judgeWorkers(running, sample);
    if (this.#busy) return this.#giveUp?.();
    this.#busy = true;
    const next = new Promise<void>((resolve) => (this.#giveUp = resolve));
    try {
      await Promise.race([this.#sampleAll(running, sample), next]);
    } finally {
      this.#busy = false;
      this.#giveUp = null;
    }
  }

  async #sampleAll(running: InstanceRecord[], sample: number): Promise<void> {
    await Promise.all(running.map((record) => this.#read(record, sample)));
    await this.#ctx.reschedule();
    if (sample % AGENT_PING_EVERY_SAMPLES === 0) {
      const answering = running.filter((record) => !this.#asked.get(record)?.late);
      await Promise.all(answering.map((record) => this.#ctx.checkAgent(record)));
    }
    this.#ctx.sampled();
  }

  #judgeWorkers(running: InstanceRecord[], sample: number): void {
    for (const record of running) {
      const asked = this.#asked.get(record);
      if (!asked || asked.late || asked.worker !== record.runtime.worker) continue;
      if (sample - asked.atSample < WORKER_DEADLINE_SAMPLES) continue;
      asked.late = true;
      this.#ctx.workerAnswers(record, false);
    }
  }

  async #read(record: InstanceRecord, sample: number): Promise<void> {
    const runtime = record.runtime;
    const worker = runtime.worker;
    if (!worker) return;
    const earlier = this.#asked.get(record);
    if (earlier?.worker === worker) return;
    const asked: Asked = { worker, atSample: sample, late: false };
    this.#asked.set(record, asked);
    let stats: InstanceStats;
    try {
      stats = await worker.api.stats();
    } catch {
      // A worker that is gone: the instance's transitions deal with it.
      return;
    } finally {
      if (this.#asked.get(record) === asked) this.#asked.delete(record);
    }
    // An answer from a worker the instance no longer has (it rebooted) is not this emulator's.
    if (runtime.worker !== worker) return;
    if (asked.late) this.#ctx.workerAnswers(record, true);
    this.#record(record, stats);
  }

  #record(record: InstanceRecord, stats: InstanceStats): void {
    const runtime = record.runtime;
    const reading: CounterReading = { wallMs: performance.now(), cpuTimeMs: stats.cpuTimeMs, instructions: stats.instructions };
    const previous = runtime.lastReading;
    runtime.lastReading = reading;
    const from = previous && reading.cpuTimeMs >= previous.cpuTimeMs ? previous : emulatorStart(reading, stats.runTimeMs);
    if (!from) return;
    const { cpuUtilizationPct, instructionsPerSecond, seconds } = rates(from, reading);
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

/**
 * A fresh emulator's first reading is measured from its start, when its counters were zero, so
 * its first second is a sample like the others; without a run time it is only a starting point.
 */
function emulatorStart(reading: CounterReading, runTimeMs: number): CounterReading | null {
  if (runTimeMs <= 0) return null;
  return { wallMs: reading.wallMs - runTimeMs, cpuTimeMs: 0, instructions: 0 };
}
