/**
 * The host's budgets: memory (guest RAM plus each emulator's overhead) and CPU cores. Admits or
 * refuses launches and starts (EC2's InsufficientInstanceCapacity), describes what each live
 * instance holds, and keeps the budgets a person set across reloads.
 */
import type { FleetStore } from "../../persistence/fleetStore.ts";
import { holdsMemory, type InstanceRecord } from "../instances/record.ts";
import { admit, instanceFootprintMib } from "./memoryBudget.ts";

export interface HostCapacity {
  readonly memoryBudgetMib: number;
  readonly memoryInUseMib: number;
  /** Host CPU the instances may share, in percent of one core (100 per core). */
  readonly cpuBudgetPct: number;
  readonly emulatorOverheadMib: number;
  readonly instances: readonly {
    readonly instanceId: string;
    readonly instanceType: string;
    readonly memoryMib: number;
    readonly footprintMib: number;
    readonly cpuSharePct: number;
    readonly cpuUtilizationPct: number;
  }[];
}

export interface HostBudgets {
  readonly memoryBudgetMib?: number;
  readonly cpuCores?: number;
}

const SETTINGS_KEY = "host-capacity";

export class HostCapacityLedger {
  readonly #fleet: FleetStore;
  readonly #instances: () => readonly InstanceRecord[];
  #memoryBudgetMib: number;
  #cpuCores: number;

  constructor(fleet: FleetStore, instances: () => readonly InstanceRecord[], budgets: { memoryBudgetMib: number; cpuCores: number }) {
    this.#fleet = fleet;
    this.#instances = instances;
    this.#memoryBudgetMib = budgets.memoryBudgetMib;
    this.#cpuCores = budgets.cpuCores;
  }

  get memoryBudgetMib(): number {
    return this.#memoryBudgetMib;
  }

  /** Host CPU the instances may share, in percent of one core. */
  get cpuBudgetPct(): number {
    return this.#cpuCores * 100;
  }

  /** The budgets a person set in an earlier session. */
  async load(): Promise<void> {
    const kept = await this.#fleet.setting<HostBudgets>(SETTINGS_KEY);
    if (kept?.memoryBudgetMib) this.#memoryBudgetMib = kept.memoryBudgetMib;
    if (kept?.cpuCores) this.#cpuCores = kept.cpuCores;
  }

  memoryInUseMib(except: readonly InstanceRecord[] = []): number {
    let total = 0;
    for (const record of this.#instances())
      if (holdsMemory(record) && !except.includes(record)) total += instanceFootprintMib(record.instance.memoryMib);
    return total;
  }

  /** Throws InsufficientInstanceCapacity unless `count` more instances of this size fit. */
  admitLaunch(memoryMib: number, count: number, typeName: string): void {
    admit(this.#memoryBudgetMib, this.memoryInUseMib(), memoryMib, count, typeName);
  }

  /** Every stopped one of these must fit before any starts. */
  admitStarts(records: readonly InstanceRecord[]): void {
    let inUseMib = this.memoryInUseMib();
    for (const record of records) {
      if (record.instance.state.name !== "stopped") continue;
      admit(this.#memoryBudgetMib, inUseMib, record.instance.memoryMib, 1, record.instance.instanceType);
      inUseMib += instanceFootprintMib(record.instance.memoryMib);
    }
  }

  /** Whether one more instance of this size fits beside `inUseMib` (a reload booting its fleet again). */
  fits(inUseMib: number, memoryMib: number): boolean {
    return inUseMib + instanceFootprintMib(memoryMib) <= this.#memoryBudgetMib;
  }

  describe(): HostCapacity {
    const live = this.#instances().filter(holdsMemory);
    return {
      memoryBudgetMib: this.#memoryBudgetMib,
      memoryInUseMib: this.memoryInUseMib(),
      cpuBudgetPct: this.cpuBudgetPct,
      emulatorOverheadMib: instanceFootprintMib(0),
      instances: live.map((record) => ({
        instanceId: record.instance.instanceId,
        instanceType: record.instance.instanceType,
        memoryMib: record.instance.memoryMib,
        footprintMib: instanceFootprintMib(record.instance.memoryMib),
        cpuSharePct: record.instance.state.name === "running" ? record.runtime.cpuSharePct : 0,
        cpuUtilizationPct: record.runtime.metrics.at(-1)?.cpuUtilizationPct ?? 0,
      })),
    };
  }

  /** Changes the budgets (validated by requests/host.ts); a smaller memory budget affects only later launches and starts. */
  async set(budgets: HostBudgets): Promise<void> {
    const { memoryBudgetMib, cpuCores } = budgets;
    if (memoryBudgetMib !== undefined) this.#memoryBudgetMib = Math.round(memoryBudgetMib);
    if (cpuCores !== undefined) this.#cpuCores = cpuCores;
    await this.#fleet.putSetting(SETTINGS_KEY, { memoryBudgetMib: this.#memoryBudgetMib, cpuCores: this.#cpuCores }).catch(() => undefined);
  }
}
