/**
 * Arguments for every public method of the Hypervisor, for the fuzz test beside the facade:
 * valid-looking calls on resources that exist (so they reach the modules, not only the request
 * parsers), the same calls with one argument spoiled, and plain garbage. Ids are references
 * resolved when the call is made, since resources come and go during a run.
 */
import fc from "fast-check";
import { types } from "node:util";
import { EBS_IMAGE_ID, INSTANCE_STORE_IMAGE_ID } from "./testImages.ts";

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
const garbage: fc.Arbitrary<unknown> = fc.oneof(
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

function ref(kind: ResourceKind): fc.Arbitrary<Ref> {
  return fc.nat(40).map((index) => new Ref(kind, index));
}

/** A real id most of the time, sometimes a well-formed one that does not exist or garbage. */
function idOf(kind: ResourceKind): fc.Arbitrary<unknown> {
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
function idsOf(kind: ResourceKind): fc.Arbitrary<unknown[]> {
  return fc.oneof(
    fc.array(idOf(kind), { minLength: 1, maxLength: 3 }),
    ref(kind).map((one) => [one, one]),
    fc.array(idOf(kind), { maxLength: 2 }),
  );
}

const flag = fc.oneof({ weight: 5, arbitrary: fc.boolean() }, { weight: 1, arbitrary: garbage });
const listener = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...LISTENERS) }, { weight: 1, arbitrary: garbage });
const name = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("web v2", "db backup") },
  { weight: 1, arbitrary: fc.constantFrom("", "é", "x".repeat(200)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: garbage },
);
const bytes = fc.oneof(
  fc.nat(4).map((blocks) => new Uint8Array(blocks * 4096).fill(1)),
  fc.constantFrom<unknown>(new Uint8Array(8), new ArrayBuffer(8), [1, 2, 3]),
);

/** The smallest files importImage accepts: a bzImage's boot signature and header, an ext4 superblock's magic. */
function kernelFile(): Uint8Array {
  const bytes = new Uint8Array(4096);
  bytes.set([0x55, 0xaa], 0x1fe);
  bytes.set(new TextEncoder().encode("HdrS"), 0x202);
  return bytes;
}
function rootDiskFile(): Uint8Array {
  const bytes = new Uint8Array(8192);
  bytes.set([0x53, 0xef], 1080);
  return bytes;
}

const tuple = <T extends unknown[]>(...parts: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.tuple<T>(...parts) as fc.Arbitrary<unknown[]>;
const none = fc.constant<unknown[]>([]);

/** VPC and subnet blocks: inside 10.0.0.0/16 and 172.31.0.0/16 (the fuzz's VPC and the default one), overlapping, too big, malformed. */
const cidr = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 255 }).map((third) => `10.0.${third}.0/24`) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 15 }).map((third) => `172.31.${third * 16}.0/20`) },
  { weight: 2, arbitrary: fc.constantFrom("10.0.0.0/16", "10.1.0.0/16", "192.168.0.0/28", "172.31.200.0/24") },
  { weight: 1, arbitrary: fc.constantFrom<unknown>("10.0.0.0/8", "10.0.0.0/29", "10.0.0.5/24", "10.0.0.0", "300.0.0.0/16", "") },
);
const tags = fc.option(fc.constantFrom<unknown>([{ key: "Name", value: "lab" }], [{ key: "aws:x", value: "" }]), { nil: undefined });
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
const permissions = fc.record({ ipPermissions: fc.array(ipPermission, { minLength: 1, maxLength: 2 }) });
const revokes = fc.record(
  { ipPermissions: fc.array(ipPermission, { maxLength: 2 }), securityGroupRuleIds: fc.array(idOf("securityGroupRule"), { maxLength: 2 }) },
  { requiredKeys: [] },
);

function describeWith(key: string, kind: ResourceKind): fc.Arbitrary<unknown[]> {
  return fc.oneof(none, tuple(fc.record({ [key]: idsOf(kind), filters }, { requiredKeys: [] })));
}

/** The facade's network actions (vpcFacade.ts). */
const NETWORK_CALLS: Readonly<Record<string, fc.Arbitrary<unknown[]>>> = {
  describeVpcs: describeWith("vpcIds", "vpc"),
  createVpc: tuple(fc.record({ cidrBlock: cidr, tags }, { requiredKeys: ["cidrBlock"] })),
  deleteVpc: tuple(idOf("vpc")),
  describeSubnets: describeWith("subnetIds", "subnet"),
  createSubnet: tuple(
    fc.record(
      { vpcId: idOf("vpc"), cidrBlock: cidr, availabilityZone: fc.constantFrom<unknown>("us-east-1a", "us-east-1c", "eu-west-1a"), tags },
      { requiredKeys: ["vpcId", "cidrBlock"] },
    ),
  ),
  deleteSubnet: tuple(idOf("subnet")),
  modifySubnetAttribute: tuple(idOf("subnet"), fc.record({ mapPublicIpOnLaunch: flag })),
  describeInternetGateways: describeWith("internetGatewayIds", "internetGateway"),
  createInternetGateway: fc.oneof(none, tuple(fc.record({ tags }, { requiredKeys: [] }))),
  attachInternetGateway: tuple(idOf("internetGateway"), idOf("vpc")),
  detachInternetGateway: tuple(idOf("internetGateway"), idOf("vpc")),
  deleteInternetGateway: tuple(idOf("internetGateway")),
  describeRouteTables: describeWith("routeTableIds", "routeTable"),
  createRouteTable: tuple(fc.record({ vpcId: idOf("vpc"), tags }, { requiredKeys: ["vpcId"] })),
  deleteRouteTable: tuple(idOf("routeTable")),
  createRoute: tuple(
    idOf("routeTable"),
    fc.record({ destinationCidrBlock: fc.oneof(fc.constant("0.0.0.0/0"), cidr), gatewayId: idOf("internetGateway") }),
  ),
  deleteRoute: tuple(idOf("routeTable"), fc.oneof(fc.constant("0.0.0.0/0"), cidr)),
  associateRouteTable: tuple(idOf("routeTable"), idOf("subnet")),
  disassociateRouteTable: tuple(idOf("association")),
  describeSecurityGroups: describeWith("groupIds", "securityGroup"),
  createSecurityGroup: tuple(
    fc.record(
      {
        groupName: fc.oneof(fc.constantFrom<unknown>("web", "db", "default", "sg-x"), name),
        description: fc.oneof(fc.constant("made by the fuzz"), name),
        vpcId: idOf("vpc"),
        tags,
      },
      { requiredKeys: ["groupName", "description"] },
    ),
  ),
  deleteSecurityGroup: tuple(idOf("securityGroup")),
  authorizeSecurityGroupIngress: tuple(idOf("securityGroup"), permissions),
  authorizeSecurityGroupEgress: tuple(idOf("securityGroup"), permissions),
  revokeSecurityGroupIngress: tuple(idOf("securityGroup"), revokes),
  revokeSecurityGroupEgress: tuple(idOf("securityGroup"), revokes),
  describeSecurityGroupRules: describeWith("securityGroupRuleIds", "securityGroupRule"),
  describeNetworkInterfaces: describeWith("networkInterfaceIds", "networkInterface"),
};

/** A template's name: the fuzz's own (made before the run), a new one, one taken or malformed. */
const templateName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>("fuzz-web", "fuzz-db", "fuzz-new") },
  { weight: 1, arbitrary: fc.constantFrom<unknown>("a b", "", "x".repeat(129)) },
  { weight: 1, arbitrary: garbage },
);
const templateVersion = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>("$Default", "$Latest", "1", "2", "3") },
  { weight: 1, arbitrary: fc.constantFrom<unknown>("0", "latest", 1, "99") },
);
/** A template named by id or name, sometimes by both or neither. */
const namedTemplate = fc.oneof(
  { weight: 4, arbitrary: fc.record({ launchTemplateId: idOf("launchTemplate") }) },
  { weight: 3, arbitrary: fc.record({ launchTemplateName: templateName }) },
  { weight: 1, arbitrary: fc.record({ launchTemplateId: idOf("launchTemplate"), launchTemplateName: templateName }, { requiredKeys: [] }) },
);
const templateData = fc.record(
  {
    imageId: fc.constantFrom<unknown>(EBS_IMAGE_ID, INSTANCE_STORE_IMAGE_ID, "ami-0123456789abcdef0", "ami-x"),
    instanceType: fc.constantFrom<unknown>("t3.nano", "t3.micro", "t3.small", "x9.huge"),
    securityGroupIds: idsOf("securityGroup"),
    subnetId: idOf("subnet"),
    userData: fc.constantFrom<unknown>("#!/bin/sh\necho hi\n", "x".repeat(20_000)),
    tagSpecifications: fc.constantFrom<unknown>(
      [{ resourceType: "instance", tags: [{ key: "Name", value: "fuzz" }] }],
      [{ resourceType: "volume", tags: [] }],
    ),
    instanceInitiatedShutdownBehavior: fc.constantFrom<unknown>("stop", "terminate", "explode"),
    hibernationOptions: fc.record({ configured: flag }),
  },
  { requiredKeys: [] },
);

/** The facade's launch template actions (launchTemplateFacade.ts). */
const TEMPLATE_CALLS: Readonly<Record<string, fc.Arbitrary<unknown[]>>> = {
  createLaunchTemplate: tuple(
    fc.record(
      { launchTemplateName: templateName, versionDescription: name, launchTemplateData: templateData },
      { requiredKeys: ["launchTemplateName", "launchTemplateData"] },
    ),
  ),
  createLaunchTemplateVersion: tuple(
    fc
      .tuple(
        namedTemplate,
        fc.record(
          { sourceVersion: templateVersion, versionDescription: name, launchTemplateData: templateData },
          { requiredKeys: ["launchTemplateData"] },
        ),
      )
      .map(([template, rest]) => ({ ...template, ...rest })),
  ),
  describeLaunchTemplates: fc.oneof(
    none,
    tuple(
      fc.record(
        { launchTemplateIds: idsOf("launchTemplate"), launchTemplateNames: fc.array(templateName, { maxLength: 2 }) },
        { requiredKeys: [] },
      ),
    ),
  ),
  describeLaunchTemplateVersions: tuple(
    fc
      .tuple(namedTemplate, fc.record({ versions: fc.array(templateVersion, { maxLength: 3 }) }, { requiredKeys: [] }))
      .map(([template, rest]) => ({ ...template, ...rest })),
  ),
  modifyLaunchTemplate: tuple(
    fc.tuple(namedTemplate, templateVersion).map(([template, defaultVersion]) => ({ ...template, defaultVersion })),
  ),
  deleteLaunchTemplate: tuple(namedTemplate),
};

/** A valid-looking call of each public method, by name. */
const VALID: Readonly<Record<string, fc.Arbitrary<unknown[]>>> = {
  subscribe: tuple(listener),
  restore: none,
  describeImages: none,
  downloadImage: tuple(
    fc.oneof(idOf("image"), fc.constantFrom(EBS_IMAGE_ID)),
    fc.option(
      fc.record(
        // A download cancelled before it starts, or one that may go on.
        { onProgress: listener, signal: fc.constantFrom(AbortSignal.abort(), new AbortController().signal) },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
  ),
  createImage: tuple(idOf("instance"), fc.record({ name, description: fc.option(name, { nil: undefined }) }, { requiredKeys: ["name"] })),
  deregisterImage: tuple(idOf("image")),
  describeFastLaunchImages: none,
  enableFastLaunch: tuple(
    fc.record(
      { imageId: fc.oneof(idOf("image"), fc.constantFrom(EBS_IMAGE_ID)), instanceType: fc.constantFrom<unknown>("t3.nano", "x9.huge") },
      { requiredKeys: ["imageId"] },
    ),
  ),
  disableFastLaunch: tuple(fc.record({ imageId: fc.oneof(idOf("image"), fc.constantFrom(EBS_IMAGE_ID)) })),
  importImage: tuple(
    fc.record({
      name,
      kernel: fc.oneof({ weight: 3, arbitrary: fc.constant(null).map(kernelFile) }, { weight: 1, arbitrary: bytes }),
      rootDisk: fc.oneof({ weight: 3, arbitrary: fc.constant(null).map(rootDiskFile) }, { weight: 1, arbitrary: bytes }),
    }),
  ),
  describeInstanceTypes: none,
  describeInstances: fc.oneof(none, tuple(fc.record({ instanceIds: idsOf("instance") }))),
  runInstances: tuple(
    fc.record(
      {
        imageId: fc.constantFrom<unknown>(EBS_IMAGE_ID, INSTANCE_STORE_IMAGE_ID, new Ref("image", 0)),
        instanceType: fc.constantFrom<unknown>("t3.nano", "t3.micro", "t3.small", "m5.large", "x9.huge"),
        count: fc.oneof(fc.integer({ min: 1, max: 2 }), fc.constantFrom<unknown>(0, 1e9, NaN)),
        hibernationOptions: fc.record({ configured: flag }),
        disableApiTermination: fc.constantFrom(false, true),
        dryRun: fc.boolean(),
        subnetId: idOf("subnet"),
        securityGroupIds: idsOf("securityGroup"),
        privateIpAddress: fc.constantFrom<unknown>("172.31.0.4", "172.31.0.200", "10.9.9.9", "999.1.1.1"),
        associatePublicIpAddress: flag,
        metadataOptions: fc.record(
          {
            httpTokens: fc.constantFrom<unknown>("optional", "required", "sometimes"),
            httpPutResponseHopLimit: fc.constantFrom<unknown>(1, 2, 0, 65),
          },
          { requiredKeys: [] },
        ),
        launchTemplate: fc
          .tuple(namedTemplate, fc.option(templateVersion, { nil: undefined }))
          .map(([template, version]) => (version === undefined ? template : { ...template, version })),
      },
      { requiredKeys: [] },
    ),
  ),
  startInstances: tuple(idsOf("instance")),
  stopInstances: tuple(idsOf("instance"), fc.record({ hibernate: flag, force: flag }, { requiredKeys: [] })),
  rebootInstances: tuple(idsOf("instance")),
  terminateInstances: tuple(idsOf("instance")),
  modifyInstanceAttribute: tuple(
    idOf("instance"),
    fc.record(
      {
        instanceType: fc.constantFrom<unknown>("t3.nano", "t3.small", "x9.huge"),
        disableApiTermination: flag,
        instanceInitiatedShutdownBehavior: fc.constantFrom<unknown>("stop", "terminate", "explode"),
        groups: idsOf("securityGroup"),
      },
      { requiredKeys: [] },
    ),
  ),
  modifyInstanceMetadataOptions: tuple(
    idOf("instance"),
    fc.record(
      {
        httpTokens: fc.constantFrom<unknown>("optional", "required", "never"),
        httpEndpoint: fc.constantFrom<unknown>("enabled", "disabled", 1),
        httpPutResponseHopLimit: fc.constantFrom<unknown>(1, 64, 0, 1.5),
        instanceMetadataTags: fc.constantFrom<unknown>("enabled", "disabled"),
      },
      { requiredKeys: [] },
    ),
  ),
  getFlowLog: tuple(idOf("instance")),
  exportTraffic: tuple(idOf("instance")),
  requestPublicAddress: tuple(
    fc.oneof(
      // Six fields each valid or not: a well-formed request is rare among the mixes, so it has its own share.
      fc.record({
        publicIp: fc.constantFrom("54.0.0.1", "3.3.3.3"),
        port: fc.constant(80),
        method: fc.constant("GET"),
        path: fc.constant("/"),
        headers: fc.constant([]),
        body: fc.constant(null),
      }),
      fc.record({
        publicIp: fc.constantFrom<unknown>("54.0.0.1", "3.3.3.3", "not-an-ip"),
        port: fc.constantFrom<unknown>(80, 8080, 0, 70_000),
        method: fc.constantFrom<unknown>("GET", "POST", "BAD METHOD"),
        path: fc.constantFrom<unknown>("/", "/index.html", "no-slash", "/a b"),
        headers: fc.constantFrom<unknown>([], [["accept", "*/*"]], [["bad name", "x"]], "garbage"),
        body: fc.constantFrom<unknown>(null, new Uint8Array(4), "text"),
      }),
    ),
  ),
  describeHibernation: tuple(idOf("instance")),
  getMetricData: tuple(idOf("instance")),
  getInstanceBill: tuple(idOf("instance")),
  getInstanceStats: tuple(idOf("instance")),
  getConsoleOutput: tuple(idOf("instance")),
  onConsoleOutput: tuple(idOf("instance"), listener),
  sendConsoleInput: tuple(idOf("instance"), fc.oneof(fc.constantFrom("ls\n", "", "\u0003"), fc.string({ maxLength: 200 }))),
  setTerminalSize: tuple(idOf("instance"), fc.record({ rows: fc.integer({ min: -1, max: 500 }), cols: fc.integer({ min: -1, max: 500 }) })),
  runCommand: tuple(
    idOf("instance"),
    fc.constantFrom("uname -a", "", "x".repeat(5000)),
    fc.record({ timeoutMs: fc.integer({ min: -1, max: 60_000 }) }, { requiredKeys: [] }),
  ),
  describeVolumes: fc.oneof(none, tuple(fc.record({ volumeIds: idsOf("volume") }))),
  describeSnapshots: fc.oneof(none, tuple(fc.record({ snapshotIds: idsOf("snapshot") }))),
  createVolume: tuple(
    fc.oneof(
      fc.record({ sizeMib: fc.integer({ min: 1, max: 64 }) }),
      fc.record({ snapshotId: ref("snapshot") }),
      fc.record(
        {
          sizeMib: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constantFrom<unknown>(0, 1e9, 1.5)),
          snapshotId: idOf("snapshot"),
          filesystem: fc.constantFrom<unknown>("ext4", "ntfs"),
        },
        { requiredKeys: [] },
      ),
    ),
  ),
  attachVolume: tuple(idOf("volume"), idOf("instance")),
  detachVolume: tuple(idOf("volume")),
  deleteVolume: tuple(idOf("volume")),
  createSnapshot: tuple(idOf("volume"), fc.option(name, { nil: undefined })),
  deleteSnapshot: tuple(idOf("snapshot")),
  exportVolume: tuple(idOf("volume")),
  importVolume: tuple(bytes, fc.record({ name }, { requiredKeys: [] })),
  getStorageBill: none,
  describeHostCapacity: none,
  setHostCapacity: tuple(
    fc.record(
      {
        memoryBudgetMib: fc.oneof(fc.constantFrom(4096, 8192, 256), fc.constantFrom<unknown>(0, -5, 1e12, NaN)),
        cpuCores: fc.oneof(fc.constantFrom(1, 2, 4), fc.constantFrom<unknown>(0, 0.5, 1e6)),
      },
      { requiredKeys: [] },
    ),
  ),
  getServiceQuota: none,
  requestServiceQuotaIncrease: tuple(
    fc.record(
      { desiredValue: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constantFrom<unknown>(2.5, NaN, "many")) },
      { requiredKeys: [] },
    ),
  ),
  ...NETWORK_CALLS,
  ...TEMPLATE_CALLS,
  // Ends the hypervisor: the run makes this call last, once.
  shutdownAll: none,
};

/** Methods whose arguments are generated here. */
export const GENERATED_METHODS: readonly string[] = Object.keys(VALID);

/** A call of the method: valid-looking, the same with one argument spoiled or one added, or garbage. */
export function callOf(method: string): fc.Arbitrary<unknown[]> {
  const valid = VALID[method];
  if (!valid) throw new Error(`no argument generator for Hypervisor.${method}: add one to VALID in publicCalls.ts`);
  const spoiled = fc.tuple(valid, fc.nat(3), garbage).map(([args, at, bad]) => {
    const copy = [...args];
    copy[Math.min(at, copy.length)] = bad;
    return copy;
  });
  return fc.oneof(
    { weight: 5, arbitrary: valid },
    { weight: 3, arbitrary: spoiled },
    { weight: 1, arbitrary: fc.array(garbage, { maxLength: 3 }) },
  );
}

export interface RacingCall {
  readonly method: string;
  readonly args: unknown[];
}

/**
 * A few calls on one instance at once, as a person clicking twice or two tabs do: the later ones
 * overtake the earlier ones' transitions.
 */
export function raceOnOneInstance(): fc.Arbitrary<RacingCall[]> {
  return ref("live").chain((target) =>
    fc.array(
      fc.oneof(
        fc
          .record({ hibernate: fc.boolean(), force: fc.boolean() }, { requiredKeys: [] })
          .map((options): RacingCall => ({ method: "stopInstances", args: [[target], options] })),
        fc.constantFrom<RacingCall>(
          { method: "terminateInstances", args: [[target]] },
          { method: "startInstances", args: [[target]] },
          { method: "rebootInstances", args: [[target]] },
          { method: "createImage", args: [target, { name: "taken in a race" }] },
          { method: "modifyInstanceAttribute", args: [target, { instanceType: "t3.small" }] },
          { method: "runCommand", args: [target, "true"] },
          { method: "sendConsoleInput", args: [target, "ls\n"] },
          { method: "setTerminalSize", args: [target, { rows: 30, cols: 100 }] },
        ),
      ),
      { minLength: 2, maxLength: 4 },
    ),
  );
}
