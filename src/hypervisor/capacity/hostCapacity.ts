/**
 * The host's budgets: memory (guest RAM plus each emulator's overhead) and CPU cores. Admits or
 * refuses launches and starts (EC2's InsufficientInstanceCapacity), describes what each live
 * instance holds, and keeps the budgets a person set across reloads.
 */
import type { FleetStore } from "../../persistence/fleetStore.ts";
import { holdsMemory, type InstanceRecord } from "../instances/record.ts";
import { INSTANCE_TYPES } from "../instances/instanceTypes.ts";
import {
  checkQuotaIncrease,
  defaultInstanceQuota,
  INSTANCE_QUOTA_CODE,
  INSTANCE_QUOTA_NAME,
  MAX_INSTANCE_QUOTA,
  type ServiceQuota,
} from "./instanceQuota.ts";
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

/** What the settings keep: the budgets, and the instance quota where a person raised it. */
interface KeptCapacity extends HostBudgets {
  readonly instanceQuota?: number;
}

const SMALLEST_MEMORY_MIB = Math.min(...INSTANCE_TYPES.map((type) => type.memoryMib));

export class HostCapacityLedger {
  readonly #fleet: FleetStore;
  readonly #instances: () => readonly InstanceRecord[];
  #memoryBudgetMib: number;
  #cpuCores: number;
  /** A default quota fixed by whoever made the hypervisor, instead of one from the memory budget. */
  readonly #fixedDefaultQuota: number | undefined;
  /** The quota a person raised it to, if they did. */
  #raisedQuota: number | null = null;

  constructor(
    fleet: FleetStore,
    instances: () => readonly InstanceRecord[],
    budgets: { memoryBudgetMib: number; cpuCores: number; defaultInstanceQuota?: number | undefined },
  ) {
    this.#fleet = fleet;
    this.#instances = instances;
    this.#memoryBudgetMib = budgets.memoryBudgetMib;
    this.#cpuCores = budgets.cpuCores;
    this.#fixedDefaultQuota = budgets.defaultInstanceQuota;
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
    const kept = await this.#fleet.setting<KeptCapacity>(SETTINGS_KEY);
    if (kept?.memoryBudgetMib) this.#memoryBudgetMib = kept.memoryBudgetMib;
    if (kept?.cpuCores) this.#cpuCores = kept.cpuCores;
    if (Number.isInteger(kept?.instanceQuota)) this.#raisedQuota = kept?.instanceQuota ?? null;
  }

  /** How many instances may exist at once (EC2's InstanceLimitExceeded past it). */
  get instanceQuota(): number {
    return Math.max(this.#raisedQuota ?? 0, this.#defaultInstanceQuota());
  }

  describeInstanceQuota(usage: number): ServiceQuota {
    return {
      quotaCode: INSTANCE_QUOTA_CODE,
      quotaName: INSTANCE_QUOTA_NAME,
      description: "Instances that may exist at once, stopped ones included; terminated ones do not count.",
      value: this.instanceQuota,
      defaultValue: this.#defaultInstanceQuota(),
      usage,
      maxValue: MAX_INSTANCE_QUOTA,
    };
  }

  /** Raises the instance quota at once (a tab has nobody to wait for) and keeps it across reloads. */
  async raiseInstanceQuota(desired: number): Promise<void> {
    this.#raisedQuota = checkQuotaIncrease(this.instanceQuota, desired);
    await this.#save();
  }

  #defaultInstanceQuota(): number {
    return this.#fixedDefaultQuota ?? defaultInstanceQuota(this.#memoryBudgetMib, SMALLEST_MEMORY_MIB);
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
    await this.#save();
  }

  async #save(): Promise<void> {
    const kept: KeptCapacity = {
      memoryBudgetMib: this.#memoryBudgetMib,
      cpuCores: this.#cpuCores,
      ...(this.#raisedQuota === null ? {} : { instanceQuota: this.#raisedQuota }),
    };
    await this.#fleet.putSetting(SETTINGS_KEY, kept).catch(() => undefined);
  }
}
