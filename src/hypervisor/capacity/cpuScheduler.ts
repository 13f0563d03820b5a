/**
 * Divides the host's CPU budget among the running instances (by weight, within their caps and
 * credits) and lays each one's turn in the scheduling period; each worker is told its share and
 * where its window starts only when they change.
 */
import type { InstanceType } from "../instances/instanceTypes.ts";
import type { InstanceRecord } from "../instances/record.ts";
import { allocateCpu, layTurns } from "./cpuAllocation.ts";

export interface CpuSchedulerContext {
  /** Instances whose emulator runs. */
  running(): InstanceRecord[];
  typeOf(record: InstanceRecord): InstanceType;
  /** Host CPU the instances may share, in percent of one core. */
  cpuBudgetPct(): number;
  /** How often credits are accounted: a standard-mode cap lasts until the next sample. */
  readonly sampleIntervalMs: number;
}

export class CpuScheduler {
  readonly #ctx: CpuSchedulerContext;

  constructor(context: CpuSchedulerContext) {
    this.#ctx = context;
  }

  async reschedule(): Promise<void> {
    const running = this.#ctx.running();
    const shares = allocateCpu(
      this.#ctx.cpuBudgetPct(),
      running.map((record) => {
        const type = this.#ctx.typeOf(record);
        const credits = record.config.credits;
        return {
          id: record.instance.instanceId,
          weight: type.cpuWeight,
          capPct: credits ? credits.capPct(type.cpuCapPct, this.#ctx.sampleIntervalMs / 1000) : type.cpuCapPct,
        };
      }),
    );
    const turns = layTurns(shares);
    for (const record of running) {
      const runtime = record.runtime;
      const turn = turns.get(record.instance.instanceId) ?? { sharePct: 100, offsetPct: 0 };
      const unchanged = Math.abs(turn.sharePct - runtime.cpuSharePct) < 0.01 && Math.abs(turn.offsetPct - runtime.cpuTurnOffsetPct) < 0.01;
      if (unchanged && runtime.lastReading) continue;
      runtime.cpuSharePct = turn.sharePct;
      runtime.cpuTurnOffsetPct = turn.offsetPct;
      // Not waited for: a worker that does not answer (hung) must hold up neither the others nor
      // whoever asked for this division (a start, a stop, a new host budget). A worker takes its
      // calls in order, so a later one still finds this share set.
      void runtime.worker?.api.setCpuShare(turn.sharePct, turn.offsetPct).catch(() => undefined);
    }
  }
}
