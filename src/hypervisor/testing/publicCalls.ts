/**
 * Arguments for every public method of the Hypervisor, for the fuzz test beside the facade:
 * valid-looking calls on resources that exist (so they reach the modules, not only the request
 * parsers), the same calls with one argument spoiled, and plain garbage. Ids are references
 * resolved when the call is made, since resources come and go during a run.
 */
import fc from "fast-check";
import { EBS_IMAGE_ID, INSTANCE_STORE_IMAGE_ID } from "./testImages.ts";
import {
  Ref,
  bytes,
  cidr,
  describeWith,
  flag,
  garbage,
  idOf,
  idsOf,
  kernelFile,
  listener,
  name,
  none,
  permissions,
  ref,
  revokes,
  rootDiskFile,
  tags,
  tuple,
} from "./fuzzValues.ts";

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
