/**
 * Instance types: EC2's names, scaled down to what a browser tab holds (memory is EC2's
 * divided by 16). v86 emulates one CPU, so vCPUs become a share of a host core.
 */
export interface InstanceType {
  readonly name: string;
  readonly family: string;
  readonly memoryMib: number;
  /** The same type's memory on real EC2, for the UI's "scaled down from" note. */
  readonly ec2MemoryMib: number;
  readonly vcpus: number;
  /** Real EC2 on-demand price, us-east-1, Linux. */
  readonly pricePerHourUsd: number;
}

export const INSTANCE_TYPES: readonly InstanceType[] = [
  { name: "t3.nano", family: "t3", memoryMib: 64, ec2MemoryMib: 512, vcpus: 2, pricePerHourUsd: 0.0052 },
  { name: "t3.micro", family: "t3", memoryMib: 128, ec2MemoryMib: 1024, vcpus: 2, pricePerHourUsd: 0.0104 },
  { name: "t3.small", family: "t3", memoryMib: 256, ec2MemoryMib: 2048, vcpus: 2, pricePerHourUsd: 0.0208 },
  { name: "t3.medium", family: "t3", memoryMib: 512, ec2MemoryMib: 4096, vcpus: 2, pricePerHourUsd: 0.0416 },
];

export const DEFAULT_INSTANCE_TYPE = "t3.micro";

export function findInstanceType(name: string): InstanceType | undefined {
  return INSTANCE_TYPES.find((type) => type.name === name);
}
