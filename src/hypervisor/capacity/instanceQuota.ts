/**
 * The instance quota, a service quota as EC2's are: how many instances may exist at once
 * (stopped ones included, terminated ones not). Its default is what the memory budget can hold
 * of the smallest instance type, and at least eight; a person may raise it, as one asks AWS for
 * more. Pure.
 */
import { Ec2Error } from "../../shared/errors.ts";
import { instanceFootprintMib } from "./memoryBudget.ts";

export interface ServiceQuota {
  readonly quotaCode: string;
  readonly quotaName: string;
  readonly description: string;
  /** The quota in force. */
  readonly value: number;
  /** What it would be had nobody raised it. */
  readonly defaultValue: number;
  /** Instances that count against it now. */
  readonly usage: number;
  /** The most it may be raised to. */
  readonly maxValue: number;
}

export const INSTANCE_QUOTA_CODE = "L-TABCLOUD-INSTANCES";
export const INSTANCE_QUOTA_NAME = "Instances";
/**
 * The default is never below the fixed limit there was before: stopped instances count against
 * the quota but hold no memory, so a small budget must not make stopping and starting fail.
 */
export const MIN_DEFAULT_INSTANCE_QUOTA = 8;
/** A tab holds no more emulators than this, whatever the budgets say. */
export const MAX_INSTANCE_QUOTA = 256;

/** How many of the smallest instances the memory budget holds, and at least MIN_DEFAULT_INSTANCE_QUOTA. */
export function defaultInstanceQuota(memoryBudgetMib: number, smallestMemoryMib: number): number {
  const fits = Math.floor(memoryBudgetMib / instanceFootprintMib(smallestMemoryMib));
  return Math.min(MAX_INSTANCE_QUOTA, Math.max(MIN_DEFAULT_INSTANCE_QUOTA, fits));
}

/** Throws InvalidParameterValue unless `desired` raises the quota in force to a whole number it may reach. */
export function checkQuotaIncrease(current: number, desired: number): number {
  if (!Number.isInteger(desired))
    throw new Ec2Error("InvalidParameterValue", `The desired value must be a whole number of instances, not ${String(desired)}.`);
  if (desired <= current)
    throw new Ec2Error("InvalidParameterValue", `The desired value ${desired} does not raise the quota: it is ${current} already.`);
  if (desired > MAX_INSTANCE_QUOTA)
    throw new Ec2Error("InvalidParameterValue", `The desired value ${desired} is above the most a tab can hold (${MAX_INSTANCE_QUOTA}).`);
  return desired;
}
