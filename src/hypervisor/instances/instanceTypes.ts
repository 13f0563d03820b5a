/**
 * Instance types: EC2's names, scaled down to what a browser tab holds (memory is EC2's
 * divided by 8 for t3 and by 16 for m5 and c5). v86 emulates one CPU, so an instance's vCPUs become a share of one host core:
 * `cpuWeight` divides the host between busy instances, `cpuCapPct` bounds one instance, and a
 * burstable type runs at `baselinePct` unless it spends CPU credits, as EC2's T3 family does.
 */
export interface BurstableCpu {
  /** Share of one host core the instance may use without spending credits (EC2's baseline per vCPU). */
  readonly baselinePct: number;
  /** Credits earned per hour at baseline: one credit is one minute of a full core (EC2's definition). */
  readonly creditsPerHour: number;
  /** Most credits the instance can hold: 24 hours of earnings, as on EC2. */
  readonly maxCredits: number;
}

export interface InstanceType {
  readonly name: string;
  readonly family: "t3" | "c5" | "m5";
  readonly description: string;
  readonly memoryMib: number;
  /** The same type's memory on real EC2, for the UI's "scaled down from" note. */
  readonly ec2MemoryMib: number;
  readonly vcpus: number;
  /** Relative weight under contention: EC2's vCPU count. */
  readonly cpuWeight: number;
  /** Most of one host core the instance may use. */
  readonly cpuCapPct: number;
  readonly burstable: BurstableCpu | null;
  /** Real EC2 on-demand price, us-east-1, Linux, per hour. */
  readonly pricePerHourUsd: number;
}

function burstable(baselinePct: number): BurstableCpu {
  const creditsPerHour = (baselinePct / 100) * 60;
  return { baselinePct, creditsPerHour, maxCredits: creditsPerHour * 24 };
}

export const INSTANCE_TYPES: readonly InstanceType[] = [
  {
    name: "t3.nano",
    family: "t3",
    description: "Burstable, general purpose",
    memoryMib: 64,
    ec2MemoryMib: 512,
    vcpus: 2,
    cpuWeight: 2,
    cpuCapPct: 100,
    burstable: burstable(5),
    pricePerHourUsd: 0.0052,
  },
  {
    name: "t3.micro",
    family: "t3",
    description: "Burstable, general purpose",
    memoryMib: 128,
    ec2MemoryMib: 1024,
    vcpus: 2,
    cpuWeight: 2,
    cpuCapPct: 100,
    burstable: burstable(10),
    pricePerHourUsd: 0.0104,
  },
  {
    name: "t3.small",
    family: "t3",
    description: "Burstable, general purpose",
    memoryMib: 256,
    ec2MemoryMib: 2048,
    vcpus: 2,
    cpuWeight: 2,
    cpuCapPct: 100,
    burstable: burstable(20),
    pricePerHourUsd: 0.0208,
  },
  {
    name: "t3.medium",
    family: "t3",
    description: "Burstable, general purpose",
    memoryMib: 512,
    ec2MemoryMib: 4096,
    vcpus: 2,
    cpuWeight: 2,
    cpuCapPct: 100,
    burstable: burstable(20),
    pricePerHourUsd: 0.0416,
  },
  {
    name: "m5.large",
    family: "m5",
    description: "General purpose",
    memoryMib: 512,
    ec2MemoryMib: 8192,
    vcpus: 2,
    cpuWeight: 2,
    cpuCapPct: 100,
    burstable: null,
    pricePerHourUsd: 0.096,
  },
  {
    name: "c5.large",
    family: "c5",
    description: "Compute optimized",
    memoryMib: 256,
    ec2MemoryMib: 4096,
    vcpus: 2,
    cpuWeight: 2,
    cpuCapPct: 100,
    burstable: null,
    pricePerHourUsd: 0.085,
  },
  {
    name: "c5.xlarge",
    family: "c5",
    description: "Compute optimized",
    memoryMib: 512,
    ec2MemoryMib: 8192,
    vcpus: 4,
    cpuWeight: 4,
    cpuCapPct: 100,
    burstable: null,
    pricePerHourUsd: 0.17,
  },
];

export const DEFAULT_INSTANCE_TYPE = "t3.micro";

/** What EC2 charges per vCPU-hour of surplus credits for T3 Unlimited (Linux). */
export const SURPLUS_CREDIT_PRICE_PER_VCPU_HOUR_USD = 0.05;

export function findInstanceType(name: string): InstanceType | undefined {
  return INSTANCE_TYPES.find((type) => type.name === name);
}
