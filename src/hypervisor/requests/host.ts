/**
 * The requests that concern the hypervisor itself rather than one resource: listening to its
 * events and setting the host's memory and CPU budgets.
 */
import * as v from "valibot";
import type { HostBudgets } from "../capacity/hostCapacity.ts";
import { listenerSchema, optionalRequest, requestObject } from "./common.ts";
import { checkWithCode, parse, type RequestSchema } from "./parse.ts";

/** The listener, typed with the event the caller's facade emits. */
export function parseSubscribe<E>(listener: unknown): (event: E) => void {
  return parse(listenerSchema<E>(), listener, "listener");
}

const MIN_MEMORY_BUDGET_MIB = 64;
const MAX_MEMORY_BUDGET_MIB = 1024 * 1024;
const MAX_CPU_CORES = 256;

const MEMORY_BUDGET_RULE = `A memory budget is a number of MiB from ${MIN_MEMORY_BUDGET_MIB} to ${MAX_MEMORY_BUDGET_MIB} (1 TiB).`;
const CPU_BUDGET_RULE = `A CPU budget is a number of cores above 0 and at most ${MAX_CPU_CORES}.`;

const SetHostCapacitySchema: RequestSchema<HostBudgets> = v.pipe(
  requestObject<HostBudgets>({
    memoryBudgetMib: v.optional(
      v.pipe(
        v.number(),
        v.finite(MEMORY_BUDGET_RULE),
        v.minValue(MIN_MEMORY_BUDGET_MIB, MEMORY_BUDGET_RULE),
        v.maxValue(MAX_MEMORY_BUDGET_MIB, MEMORY_BUDGET_RULE),
      ),
    ),
    // Fractions of a core are allowed: the budget is shared out in percent of a core.
    cpuCores: v.optional(
      v.pipe(v.number(), v.finite(CPU_BUDGET_RULE), v.gtValue(0, CPU_BUDGET_RULE), v.maxValue(MAX_CPU_CORES, CPU_BUDGET_RULE)),
    ),
  }),
  checkWithCode(
    "MissingParameter",
    (budgets: HostBudgets) => budgets.memoryBudgetMib !== undefined || budgets.cpuCores !== undefined,
    "Say which budget to change: memoryBudgetMib or cpuCores.",
  ),
);

export function parseSetHostCapacity(capacity: unknown): HostBudgets {
  return parse(optionalRequest(SetHostCapacitySchema), capacity, "capacity");
}

const QuotaIncreaseSchema: RequestSchema<{ desiredValue: number }> = requestObject<{ desiredValue: number }>({
  desiredValue: v.number("The desired value is a number of instances."),
});

/** The raise's shape; whether the value raises the quota is the quota's own check (capacity/instanceQuota.ts). */
export function parseQuotaIncrease(request: unknown): { desiredValue: number } {
  return parse(QuotaIncreaseSchema, request, "request");
}
