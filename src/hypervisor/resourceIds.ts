/**
 * EC2 resource ids: a prefix ("i", "vol", "snap", "ami", "lt", and the network's "vpc", "subnet", "igw",
 * "rtb", "rtbassoc", "sg", "sgr", "eni"), a dash and 17 lower-case hex digits.
 */
export type ResourcePrefix = "i" | "vol" | "snap" | "ami" | "lt" | NetworkResourcePrefix;
export type NetworkResourcePrefix = "vpc" | "subnet" | "igw" | "rtb" | "rtbassoc" | "sg" | "sgr" | "eni";

export function newResourceId(
  prefix: ResourcePrefix,
  random: (bytes: Uint8Array) => void = (bytes) => crypto.getRandomValues(bytes),
): string {
  const bytes = new Uint8Array(9);
  random(bytes);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${prefix}-${hex.slice(0, 17)}`;
}

export function isResourceId(prefix: ResourcePrefix, value: unknown): value is string {
  return typeof value === "string" && value.startsWith(`${prefix}-`) && /^[0-9a-f]{17}$/.test(value.slice(prefix.length + 1));
}

export function newInstanceId(random?: (bytes: Uint8Array) => void): string {
  return newResourceId("i", random);
}

export function isInstanceId(value: unknown): value is string {
  return isResourceId("i", value);
}
