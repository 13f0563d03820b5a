/**
 * The values the Hypervisor's fuzz test builds its calls from (publicCalls.ts): references to
 * resources that exist when a call is made, and valid, spoiled and hostile arguments.
 */
import fc from "fast-check";
import { types } from "node:util";

/** "live": an instance that is pending, running or stopping, where the transitions are. */
export type ResourceKind =
  | "instance"
  | "live"
  | "volume"
  | "snapshot"
  | "image"
  | "vpc"
  | "subnet"
  | "internetGateway"
  | "routeTable"
  | "association"
  | "securityGroup"
  | "securityGroupRule"
  | "networkInterface"
  | "launchTemplate";

/** An id of a resource of this kind that exists when the call is made (the index picks which). */
export class Ref {
  constructor(
    readonly kind: ResourceKind,
    readonly index: number,
  ) {}
}

/** What a Ref becomes: one of the ids listed when the call is made. */
export type Resolve = (ref: Ref) => string;

/** Replaces every Ref in arrays and plain objects by an id; anything else is passed as it is. */
export function resolveArgs(value: unknown, resolve: Resolve): unknown {
  if (types.isProxy(value)) return value;
  if (value instanceof Ref) return resolve(value);
  if (Array.isArray(value)) return value.map((item: unknown) => resolveArgs(item, resolve));
  const prototype: unknown = value !== null && typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  if (prototype === Object.prototype || prototype === null) {
    // fast-check's records may have no prototype: the copy keeps whichever the original had.
    const copy = Object.create(prototype as object | null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(value as object)) copy[key] = resolveArgs(item, resolve);
    return copy;
  }
  return value;
}

/** Listeners a caller might pass: harmless, or one whose own code fails. */
const LISTENERS = [
  () => undefined,
  (event: unknown) => void JSON.stringify(event),
  () => {
    throw new Error("a listener's own bug");
  },
];

/** An object whose every read throws, as a revoked Proxy does. */
const hostile = new Proxy(
  {},
  {
    get: () => {
      throw new Error("read of a hostile object");
    },
    ownKeys: () => {
      throw new Error("keys of a hostile object");
    },
  },
);

const anything = fc.anything({
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  maxDepth: 3,
});

/** Wrong types, nulls, out-of-range numbers, long text, functions and hostile objects. */
export const garbage: fc.Arbitrary<unknown> = fc.oneof(
  anything,
  fc.constantFrom<unknown>(
    null,
    undefined,
    NaN,
    Infinity,
    -Infinity,
    -1,
    0,
    1.5,
    2 ** 53,
    1e308,
    "",
    "x".repeat(100_000),
    "i-0123456789abcdef0",
    "i-123",
    "vol-0123456789abcdef0",
    [],
    {},
    Symbol("not data"),
    () => 42,
    hostile,
    new Uint8Array(3),
    { instanceIds: { length: 1 } },
  ),
);

export function ref(kind: ResourceKind): fc.Arbitrary<Ref> {
  return fc.nat(40).map((index) => new Ref(kind, index));
}

/** A real id most of the time, sometimes a well-formed one that does not exist or garbage. */
export function idOf(kind: ResourceKind): fc.Arbitrary<unknown> {
  const unknownId = {
    instance: "i-0123456789abcdef0",
    live: "i-0123456789abcdef0",
    volume: "vol-0123456789abcdef0",
    snapshot: "snap-0123456789abcdef0",
    image: "ami-0123456789abcdef0",
    vpc: "vpc-0123456789abcdef0",
    subnet: "subnet-0123456789abcdef0",
    internetGateway: "igw-0123456789abcdef0",
    routeTable: "rtb-0123456789abcdef0",
    association: "rtbassoc-0123456789abcdef0",
    securityGroup: "sg-0123456789abcdef0",
    securityGroupRule: "sgr-0123456789abcdef0",
    networkInterface: "eni-0123456789abcdef0",
    launchTemplate: "lt-0123456789abcdef0",
  }[kind];
  return fc.oneof({ weight: 8, arbitrary: ref(kind) }, { weight: 1, arbitrary: fc.constant(unknownId) }, { weight: 1, arbitrary: garbage });
}

/** A list of ids, sometimes with one repeated. */
export function idsOf(kind: ResourceKind): fc.Arbitrary<unknown[]> {
  return fc.oneof(
    fc.array(idOf(kind), { minLength: 1, maxLength: 3 }),
    ref(kind).map((one) => [one, one]),
    fc.array(idOf(kind), { maxLength: 2 }),
  );
}

export const flag = fc.oneof({ weight: 5, arbitrary: fc.boolean() }, { weight: 1, arbitrary: garbage });
export const listener = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...LISTENERS) }, { weight: 1, arbitrary: garbage });
export const name = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("web v2", "db backup") },
  { weight: 1, arbitrary: fc.constantFrom("", "é", "x".repeat(200)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: garbage },
);
export const bytes = fc.oneof(
  fc.nat(4).map((blocks) => new Uint8Array(blocks * 4096).fill(1)),
  fc.constantFrom<unknown>(new Uint8Array(8), new ArrayBuffer(8), [1, 2, 3]),
);

/** The smallest files importImage accepts: a bzImage's boot signature and header, an ext4 superblock's magic. */
export function kernelFile(): Uint8Array {
  const bytes = new Uint8Array(4096);
  bytes.set([0x55, 0xaa], 0x1fe);
  bytes.set(new TextEncoder().encode("HdrS"), 0x202);
  return bytes;
}
export function rootDiskFile(): Uint8Array {
  const bytes = new Uint8Array(8192);
  bytes.set([0x53, 0xef], 1080);
  return bytes;
}

export const tuple = <T extends unknown[]>(...parts: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
  fc.tuple<T>(...parts) as fc.Arbitrary<unknown[]>;
export const none = fc.constant<unknown[]>([]);

/** VPC and subnet blocks: inside 10.0.0.0/16 and 172.31.0.0/16 (the fuzz's VPC and the default one), overlapping, too big, malformed. */
export const cidr = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 255 }).map((third) => `10.0.${third}.0/24`) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 15 }).map((third) => `172.31.${third * 16}.0/20`) },
  { weight: 2, arbitrary: fc.constantFrom("10.0.0.0/16", "10.1.0.0/16", "192.168.0.0/28", "172.31.200.0/24") },
  { weight: 1, arbitrary: fc.constantFrom<unknown>("10.0.0.0/8", "10.0.0.0/29", "10.0.0.5/24", "10.0.0.0", "300.0.0.0/16", "") },
);
export const tags = fc.option(fc.constantFrom<unknown>([{ key: "Name", value: "lab" }], [{ key: "aws:x", value: "" }]), { nil: undefined });
const filters = fc.constantFrom<unknown>(
  [{ name: "vpc-id", values: ["vpc-0123456789abcdef0"] }],
  [{ name: "tag:Name", values: ["lab"] }],
  [{ name: "nope", values: [] }],
);

/** A rule's source: a CIDR (of any size, sometimes malformed) or a group of the fuzz's VPC. */
const ipPermission = fc.record(
  {
    ipProtocol: fc.constantFrom<unknown>("tcp", "udp", "icmp", "-1", 6, 17, 1, "TCP", "gre", 99),
    fromPort: fc.oneof(fc.constantFrom(22, 80, 443, 0, -1), fc.integer({ min: -2, max: 70_000 })),
    toPort: fc.oneof(fc.constantFrom(22, 80, 443, 65_535, -1), fc.integer({ min: -2, max: 70_000 })),
    ipRanges: fc.array(
      fc.record(
        { cidrIp: fc.constantFrom<unknown>("0.0.0.0/0", "10.0.0.0/16", "203.0.113.7/32", "10.0.0.1/16", "x"), description: name },
        { requiredKeys: ["cidrIp"] },
      ),
      { maxLength: 2 },
    ),
    userIdGroupPairs: fc.array(fc.record({ groupId: idOf("securityGroup") }), { maxLength: 1 }),
  },
  { requiredKeys: ["ipProtocol"] },
);
export const permissions = fc.record({ ipPermissions: fc.array(ipPermission, { minLength: 1, maxLength: 2 }) });
export const revokes = fc.record(
  { ipPermissions: fc.array(ipPermission, { maxLength: 2 }), securityGroupRuleIds: fc.array(idOf("securityGroupRule"), { maxLength: 2 }) },
  { requiredKeys: [] },
);

export function describeWith(key: string, kind: ResourceKind): fc.Arbitrary<unknown[]> {
  return fc.oneof(none, tuple(fc.record({ [key]: idsOf(kind), filters }, { requiredKeys: [] })));
}
