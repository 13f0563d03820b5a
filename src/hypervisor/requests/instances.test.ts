import { describe, expect, it } from "vitest";
import {
  MAX_USER_DATA_BYTES,
  parseDescribeInstances,
  parseInstanceId,
  parseModifyInstanceAttribute,
  parseRebootInstances,
  parseRunInstances,
  parseStartInstances,
  parseStopInstances,
  parseTerminateInstances,
} from "./instances.ts";
import { expectRefused, IMAGE_ID, INSTANCE_ID, OTHER_INSTANCE_ID } from "./testing.ts";

describe("parseRunInstances", () => {
  it("takes nothing, an empty request or a full one", () => {
    expect(parseRunInstances(undefined)).toEqual({});
    expect(parseRunInstances({})).toEqual({});
    const full = {
      imageId: IMAGE_ID,
      instanceType: "t3.small",
      count: 2,
      tags: [{ key: "Name", value: "web" }],
      terminalSize: { rows: 40, cols: 120 },
      disableApiTermination: true,
      instanceInitiatedShutdownBehavior: "terminate",
      creditSpecification: { cpuCredits: "standard" },
      userData: "#!/bin/sh\necho hi\n",
      dryRun: false,
    };
    expect(parseRunInstances(full)).toEqual(full);
  });

  it.each([
    ["an instance id instead of a request", "i-123", "InvalidParameterType", /request must be an object/],
    ["null", null, "InvalidParameterType", /request must be an object.*not null/],
    ["an array", [{}], "InvalidParameterType", /not a list/],
    ["a fractional count", { count: 1.5 }, "InvalidParameterValue", /Count/],
    ["a count of 0", { count: 0 }, "InvalidParameterValue", /Count must be a whole number of at least 1/],
    ["a count as text", { count: "2" }, "InvalidParameterType", /count must be a number/],
    ["a malformed image id", { imageId: "ami-xyz" }, "InvalidAMIID.Malformed", /'ami-xyz' for parameter imageId/],
    [
      "repeated tag keys",
      {
        tags: [
          { key: "Name", value: "a" },
          { key: "Name", value: "b" },
        ],
      },
      "InvalidParameterValue",
      /tags\[1\]\.key/,
    ],
    ["tags as text", { tags: "tags" }, "InvalidParameterType", /tags must be a list/],
    ["a terminal of 0 rows", { terminalSize: { rows: 0, cols: 80 } }, "InvalidParameterValue", /0x80/],
    ["disableApiTermination as text", { disableApiTermination: "yes" }, "InvalidParameterType", /true or false/],
    ["dryRun as 1", { dryRun: 1 }, "InvalidParameterType", /dryRun must be true or false/],
    ["a credit mode of burst", { creditSpecification: { cpuCredits: "burst" } }, "InvalidParameterValue", /burst/],
    ["credit mode as text", { creditSpecification: "standard" }, "InvalidParameterType", /creditSpecification must be an object/],
    ["user data over 16 KiB in UTF-8", { userData: "é".repeat(MAX_USER_DATA_BYTES / 2 + 1) }, "InvalidParameterValue", /16 KiB/],
    ["user data as bytes", { userData: new Uint8Array(4) }, "InvalidParameterType", /userData must be text/],
    ["an unknown parameter", { instanceCount: 2 }, "InvalidParameterValue", /instanceCount is not known/],
  ])("refuses %s", (_, request, code, message) => {
    expectRefused(() => parseRunInstances(request), code as never, message);
  });

  it("accepts user data of exactly 16 KiB", () => {
    expect(parseRunInstances({ userData: "x".repeat(MAX_USER_DATA_BYTES) }).userData).toHaveLength(MAX_USER_DATA_BYTES);
  });
});

describe("parseDescribeInstances", () => {
  it("takes ids and EC2's filters", () => {
    const request = {
      instanceIds: [INSTANCE_ID],
      filters: [
        { name: "instance-state-name", values: ["running", "stopped"] },
        { name: "tag:Name", values: ["web"] },
        { name: "tag-key", values: [] },
      ],
    };
    expect(parseDescribeInstances(request)).toEqual(request);
    expect(parseDescribeInstances(undefined)).toEqual({});
  });

  it.each([
    ["filters as an object", { filters: { a: 1 } }, "InvalidParameterType", /filters must be a list of filters/],
    [
      "an unknown filter",
      { filters: [{ name: "vpc-id", values: ["x"] }] },
      "InvalidParameterValue",
      /filters\[0\]\.name.*instance-state-name/,
    ],
    ["a filter without values", { filters: [{ name: "tag-key" }] }, "MissingParameter", /filters\[0\]\.values/],
    [
      "a value that is not text",
      { filters: [{ name: "tag-key", values: [1] }] },
      "InvalidParameterType",
      /filters\[0\]\.values\[0\] must be text/,
    ],
    ["ids as a number", { instanceIds: 1.5 }, "InvalidParameterType", /instanceIds must be a list of instance ids/],
    ["a malformed id", { instanceIds: ["i-1"] }, "InvalidInstanceID.Malformed", /instanceIds\[0\]/],
  ])("refuses %s", (_, request, code, message) => {
    expectRefused(() => parseDescribeInstances(request), code as never, message);
  });
});

describe("actions on a list of instances", () => {
  it.each([
    ["start", parseStartInstances],
    ["reboot", parseRebootInstances],
    ["terminate", parseTerminateInstances],
    ["stop", (ids: unknown) => parseStopInstances(ids, undefined).instanceIds],
  ])("%s takes at least one id, a repeated one once", (_, parseIds) => {
    expect(parseIds([INSTANCE_ID, OTHER_INSTANCE_ID])).toEqual([INSTANCE_ID, OTHER_INSTANCE_ID]);
    expectRefused(() => parseIds([]), "MissingParameter", /at least one instance id/);
    expectRefused(() => parseIds(undefined), "MissingParameter", /parameter instanceIds/);
    expectRefused(() => parseIds(INSTANCE_ID), "InvalidParameterType", /instanceIds must be a list/);
    expect(parseIds([INSTANCE_ID, INSTANCE_ID])).toEqual([INSTANCE_ID]);
    expectRefused(() => parseIds([INSTANCE_ID, "vol-0123456789abcdef0"]), "InvalidInstanceID.Malformed", /instanceIds\[1\]/);
  });

  it("stop takes force and hibernate as true or false", () => {
    expect(parseStopInstances([INSTANCE_ID], { force: true, hibernate: false })).toEqual({
      instanceIds: [INSTANCE_ID],
      options: { force: true, hibernate: false },
    });
    expect(parseStopInstances([INSTANCE_ID], undefined).options).toEqual({});
    expectRefused(() => parseStopInstances([INSTANCE_ID], null), "InvalidParameterType", /options must be an object/);
    expectRefused(() => parseStopInstances([INSTANCE_ID], { hibernate: 1 }), "InvalidParameterType", /hibernate must be true or false/);
    expectRefused(() => parseStopInstances([INSTANCE_ID], { hibernate: {} }), "InvalidParameterType", /hibernate/);
    expectRefused(() => parseStopInstances([INSTANCE_ID], { now: true }), "InvalidParameterValue", /now is not known/);
  });
});

describe("parseModifyInstanceAttribute", () => {
  it("takes the attributes RunInstances takes, with the same checks", () => {
    const request = { instanceType: "t3.small", disableApiTermination: true, instanceInitiatedShutdownBehavior: "terminate" };
    expect(parseModifyInstanceAttribute(INSTANCE_ID, request)).toEqual({ instanceId: INSTANCE_ID, request });
    for (const field of ["instanceType", "disableApiTermination", "instanceInitiatedShutdownBehavior"] as const) {
      const bad = { [field]: 7 };
      const launchError = catchCode(() => parseRunInstances(bad));
      expect(catchCode(() => parseModifyInstanceAttribute(INSTANCE_ID, bad))).toEqual(launchError);
    }
  });

  it.each([
    ["nothing to change", {}, "MissingParameter", /Say which attribute to change/],
    ["no request", undefined, "MissingParameter", /Say which attribute/],
    ["only undefined attributes", { instanceType: undefined }, "MissingParameter", /Say which attribute/],
    [
      "a valid type with a bad flag",
      { instanceType: "t3.small", disableApiTermination: "yes" },
      "InvalidParameterType",
      /disableApiTermination/,
    ],
    ["an attribute that cannot change", { imageId: "ami-0123456789abcdef0" }, "InvalidParameterValue", /imageId is not known/],
  ])("refuses %s", (_, request, code, message) => {
    expectRefused(() => parseModifyInstanceAttribute(INSTANCE_ID, request), code as never, message);
  });

  it("checks the instance id", () => {
    expectRefused(() => parseModifyInstanceAttribute("i-xyz", { disableApiTermination: true }), "InvalidInstanceID.Malformed", /i-xyz/);
  });
});

describe("parseInstanceId", () => {
  it("takes one instance id", () => {
    expect(parseInstanceId(INSTANCE_ID)).toBe(INSTANCE_ID);
    expectRefused(() => parseInstanceId(undefined), "MissingParameter", /parameter instanceId\./);
    expectRefused(() => parseInstanceId([INSTANCE_ID]), "InvalidParameterType", /instanceId must be an instance id/);
    expectRefused(() => parseInstanceId("web"), "InvalidInstanceID.Malformed", /'web'/);
  });
});

function catchCode(call: () => unknown): { code: unknown; message: string } {
  try {
    call();
  } catch (error) {
    const { code, message } = error as { code: unknown; message: string };
    return { code, message };
  }
  throw new Error("expected a refusal");
}
