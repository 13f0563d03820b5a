/** EC2 instance ids: "i-" and 17 lower-case hex digits. */
const INSTANCE_ID = /^i-[0-9a-f]{17}$/;

export function newInstanceId(random: (bytes: Uint8Array) => void = (bytes) => crypto.getRandomValues(bytes)): string {
  const bytes = new Uint8Array(9);
  random(bytes);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `i-${hex.slice(0, 17)}`;
}

export function isInstanceId(value: unknown): value is string {
  return typeof value === "string" && INSTANCE_ID.test(value);
}
