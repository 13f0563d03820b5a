/**
 * Throws arbitrary values at every parse function: each must return a value or throw an
 * Ec2Error with one of the request codes, never a TypeError or anything else. Seeded, so a
 * failure is the same failure on every run; fast-check prints the smallest input that fails.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ec2Error, type ErrorCode } from "../../shared/errors.ts";
import * as consoleRequests from "./console.ts";
import * as ebsRequests from "./ebs.ts";
import * as hostRequests from "./host.ts";
import * as imageRequests from "./images.ts";
import * as instanceRequests from "./instances.ts";
import { IMAGE_ID, INSTANCE_ID, OTHER_INSTANCE_ID, SNAPSHOT_ID, VOLUME_ID } from "./testing.ts";

const SEED = 20_261_123;
const RUNS_PER_FUNCTION = 300;

const REQUEST_CODES: readonly ErrorCode[] = [
  "MissingParameter",
  "InvalidParameterType",
  "InvalidParameterValue",
  "InvalidInstanceID.Malformed",
  "InvalidVolumeID.Malformed",
  "InvalidSnapshotID.Malformed",
  "InvalidAMIID.Malformed",
];

type ParseFunction = (...args: unknown[]) => unknown;

/** Every exported parse function of every request module, found by name so that a new one is fuzzed too. */
const PARSERS: ReadonlyMap<string, ParseFunction> = new Map(
  [consoleRequests, ebsRequests, hostRequests, imageRequests, instanceRequests].flatMap((module) =>
    Object.entries(module).filter(
      (entry): entry is [string, ParseFunction] => entry[0].startsWith("parse") && typeof entry[1] === "function",
    ),
  ),
);

/**
 * A valid call of each public method that takes arguments, by its parse function's name. The
 * fuzz changes one part of it at a time, so that it reaches every argument and field, not only
 * the first check.
 */
const VALID_CALLS: Readonly<Record<string, readonly unknown[]>> = {
  parseSubscribe: [() => undefined],
  parseDownloadImage: [IMAGE_ID, { onProgress: () => undefined, signal: new AbortController().signal }],
  parseDescribeInstances: [{ instanceIds: [INSTANCE_ID], filters: [{ name: "tag:Name", values: ["web"] }] }],
  parseRunInstances: [
    {
      imageId: IMAGE_ID,
      instanceType: "t3.micro",
      count: 1,
      tags: [{ key: "Name", value: "web" }],
      terminalSize: { rows: 24, cols: 80 },
      disableApiTermination: false,
      instanceInitiatedShutdownBehavior: "stop",
      creditSpecification: { cpuCredits: "standard" },
      userData: "#!/bin/sh\n",
      dryRun: true,
    },
  ],
  parseStartInstances: [[INSTANCE_ID, OTHER_INSTANCE_ID]],
  parseStopInstances: [[INSTANCE_ID], { force: false, hibernate: true }],
  parseRebootInstances: [[INSTANCE_ID]],
  parseTerminateInstances: [[INSTANCE_ID]],
  parseModifyInstanceAttribute: [INSTANCE_ID, { instanceType: "t3.small", disableApiTermination: true }],
  parseDescribeVolumes: [{ volumeIds: [VOLUME_ID] }],
  parseDescribeSnapshots: [{ snapshotIds: [SNAPSHOT_ID] }],
  parseCreateVolume: [{ sizeMib: 64, filesystem: "ext4", tags: [{ key: "Name", value: "data" }] }],
  parseAttachVolume: [VOLUME_ID, INSTANCE_ID],
  parseDetachVolume: [VOLUME_ID],
  parseDeleteVolume: [VOLUME_ID],
  parseCreateSnapshot: [VOLUME_ID, "before the upgrade"],
  parseDeleteSnapshot: [SNAPSHOT_ID],
  parseCreateImage: [INSTANCE_ID, { name: "web v2", description: "with nginx" }],
  parseDeregisterImage: [IMAGE_ID],
  parseEnableFastLaunch: [{ imageId: IMAGE_ID, instanceType: "t3.nano" }],
  parseDisableFastLaunch: [{ imageId: IMAGE_ID }],
  parseImportImage: [{ name: "mine", kernel: new Uint8Array(8), rootDisk: new Uint8Array(8), kernelCommandLine: "quiet" }],
  parseExportVolume: [VOLUME_ID],
  parseImportVolume: [new Uint8Array(8), { name: "disk" }],
  parseSetHostCapacity: [{ memoryBudgetMib: 2048, cpuCores: 2 }],
  parseQuotaIncrease: [{ desiredValue: 12 }],
  parseDescribeHibernation: [INSTANCE_ID],
  parseGetMetricData: [INSTANCE_ID],
  parseGetInstanceBill: [INSTANCE_ID],
  parseGetConsoleOutput: [INSTANCE_ID],
  parseOnConsoleOutput: [INSTANCE_ID, () => undefined],
  parseSendConsoleInput: [INSTANCE_ID, "ls\n"],
  parseRunCommand: [INSTANCE_ID, "uname -a", { timeoutMs: 5000 }],
  parseSetTerminalSize: [INSTANCE_ID, { rows: 40, cols: 120 }],
  parseGetInstanceStats: [INSTANCE_ID],
  // The one-id parsers the ones above are made of.
  parseInstanceId: [INSTANCE_ID],
  parseVolumeId: [VOLUME_ID],
  parseImageId: [IMAGE_ID],
};

const anything = fc.anything({
  withBoxedValues: true,
  withSet: true,
  withMap: true,
  withObjectString: true,
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  stringUnit: "binary",
});

// Values close to valid ones, so that the fuzz gets past the first check into fields, lists and limits.
const id = fc.constantFrom(INSTANCE_ID, OTHER_INSTANCE_ID, VOLUME_ID, SNAPSHOT_ID, IMAGE_ID, "i-123", "", "I-0123456789ABCDEF0");
const edgeNumber = fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, -1, 1, 1.5, 2, 64, 256, 1024, 30_000, 3_600_001, 1e12, 2 ** 53);
const knownText = fc.constantFrom(
  "stop",
  "terminate",
  "hibernate",
  "standard",
  "unlimited",
  "ext4",
  "t3.micro",
  "x1.huge",
  "Name",
  "aws:name",
  "tag:Name",
  "instance-state-name",
  "uname -a",
  " ",
  "web server",
  "x".repeat(300),
  "é".repeat(10_000),
);
const text = fc.oneof(fc.string({ unit: "binary" }), knownText);
const FIELD_NAMES = [
  "imageId",
  "instanceType",
  "count",
  "tags",
  "terminalSize",
  "disableApiTermination",
  "instanceInitiatedShutdownBehavior",
  "creditSpecification",
  "cpuCredits",
  "userData",
  "dryRun",
  "instanceIds",
  "filters",
  "name",
  "values",
  "force",
  "hibernate",
  "volumeIds",
  "snapshotIds",
  "sizeMib",
  "snapshotId",
  "filesystem",
  "key",
  "value",
  "description",
  "kernel",
  "rootDisk",
  "kernelCommandLine",
  "onProgress",
  "signal",
  "memoryBudgetMib",
  "cpuCores",
  "timeoutMs",
  "rows",
  "cols",
  "__proto__",
  "constructor",
];

const { value: nearValid } = fc.letrec<{ value: unknown; request: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    anything,
    { arbitrary: id, weight: 2 },
    { arbitrary: edgeNumber, weight: 3 },
    { arbitrary: text, weight: 2 },
    fc.boolean(),
    fc.constant(undefined),
    fc.constant(null),
    fc.array(id, { maxLength: 4 }),
    fc.array(tie("request"), { maxLength: 3 }),
    tie("request"),
    fc.constant(new Uint8Array(16)),
    fc.constant(new AbortController().signal),
    fc.func(anything),
  ),
  request: fc.dictionary(fc.constantFrom(...FIELD_NAMES), tie("value"), { maxKeys: 4 }),
}));

/** A valid value with one part changed: a field of an object (at any depth), an item of a list, or the whole value. */
function variant(valid: unknown): fc.Arbitrary<unknown> {
  if (Array.isArray(valid)) {
    return fc
      .tuple(fc.nat(valid.length), fc.oneof(nearValid, ...valid.map(variant)))
      .map(([index, value]) => (index === valid.length ? [...valid, value] : valid.map((item, i) => (i === index ? value : item))));
  }
  if (typeof valid === "object" && valid !== null && Object.getPrototypeOf(valid) === Object.prototype) {
    const fields = valid as Record<string, unknown>;
    const key = fc.oneof({ arbitrary: fc.constantFrom(...Object.keys(fields)), weight: 4 }, fc.constantFrom(...FIELD_NAMES));
    return key.chain((name) => {
      const field = fields[name];
      const changed = field === undefined ? nearValid : fc.oneof(nearValid, variant(field));
      return changed.map((value) => ({ ...fields, [name]: value }));
    });
  }
  return nearValid;
}

function answersLikeEc2(parser: ParseFunction, args: readonly unknown[]): void {
  let output: unknown;
  try {
    output = parser(...args);
  } catch (error) {
    expect(error).toBeInstanceOf(Ec2Error);
    expect(REQUEST_CODES).toContain((error as Ec2Error).code);
    expect((error as Ec2Error).message).not.toBe("");
    // Only an object that throws when read may be answered so, and the fuzz makes none: here it would hide a bug.
    expect((error as Ec2Error).message).not.toMatch(/could not be read/);
    return;
  }
  // What a parse function returns is a valid request: parsing it again gives the same.
  if (args.length === 1) expect(parser(output)).toEqual(output);
}

describe("every parse function, given anything", () => {
  it("has a valid call of each, which it accepts", () => {
    expect(Object.keys(VALID_CALLS).sort()).toEqual([...PARSERS.keys()].sort());
    for (const [name, args] of Object.entries(VALID_CALLS)) expect(() => PARSERS.get(name)?.(...args), name).not.toThrow();
  });

  it.each([...PARSERS])("%s returns a request or throws an Ec2Error with a request code", (name, parser) => {
    const valid = VALID_CALLS[name] ?? [];
    const args = fc.tuple(
      ...Array.from({ length: Math.max(parser.length, valid.length, 1) }, (_, i) =>
        fc.oneof({ arbitrary: fc.constant(valid[i]), weight: 2 }, { arbitrary: variant(valid[i]), weight: 3 }, nearValid, anything),
      ),
    );
    fc.assert(
      fc.property(args, (values) => answersLikeEc2(parser, values)),
      { seed: SEED, numRuns: RUNS_PER_FUNCTION },
    );
  });
});
