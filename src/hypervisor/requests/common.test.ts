import { describe, expect, it } from "vitest";
import {
  actionIds,
  describedIds,
  FlagSchema,
  ImageIdSchema,
  ImageNameSchema,
  InstanceIdSchema,
  InstanceTypeNameSchema,
  MAX_IDS_PER_REQUEST,
  ShutdownBehaviorSchema,
  SnapshotIdSchema,
  TagsSchema,
  TerminalSizeSchema,
  VolumeIdSchema,
  VolumeNameSchema,
} from "./common.ts";
import { parse } from "./parse.ts";
import { expectRefused, IMAGE_ID, INSTANCE_ID, OTHER_INSTANCE_ID, SNAPSHOT_ID, VOLUME_ID } from "./testing.ts";

describe("resource ids", () => {
  it.each([
    [InstanceIdSchema, INSTANCE_ID, VOLUME_ID, "InvalidInstanceID.Malformed", /expected i- and 17 hex digits/],
    [VolumeIdSchema, VOLUME_ID, INSTANCE_ID, "InvalidVolumeID.Malformed", /expected vol- and 17 hex digits/],
    [SnapshotIdSchema, SNAPSHOT_ID, "snap-0123456789ABCDEF0", "InvalidSnapshotID.Malformed", /expected snap-/],
    [ImageIdSchema, IMAGE_ID, "ami-123", "InvalidAMIID.Malformed", /expected ami-/],
  ])("accept their own kind and call any other malformed (%#)", (schema, good, bad, code, message) => {
    expect(parse(schema, good, "id")).toBe(good);
    expectRefused(() => parse(schema, bad, "id"), code as never, message);
    expectRefused(() => parse(schema, 42, "id"), "InvalidParameterType", /must be an? \w+ id \(\w+- and 17 hex digits\), not a number/);
  });
});

describe("id lists", () => {
  const acting = actionIds(InstanceIdSchema, "instance id");
  const describing = describedIds(InstanceIdSchema, "instance id");

  it("of an action: at least one, a repeated id once, at most 1000", () => {
    expect(parse(acting, [INSTANCE_ID, OTHER_INSTANCE_ID], "instanceIds")).toEqual([INSTANCE_ID, OTHER_INSTANCE_ID]);
    expectRefused(() => parse(acting, [], "instanceIds"), "MissingParameter", /at least one instance id/);
    expect(parse(acting, [INSTANCE_ID, OTHER_INSTANCE_ID, INSTANCE_ID], "instanceIds")).toEqual([INSTANCE_ID, OTHER_INSTANCE_ID]);
    const tooMany = Array.from({ length: MAX_IDS_PER_REQUEST + 1 }, (_, i) => `i-${i.toString(16).padStart(17, "0")}`);
    expectRefused(() => parse(acting, tooMany, "instanceIds"), "InvalidParameterValue", /At most 1000 instance ids/);
    expectRefused(
      () => parse(acting, INSTANCE_ID, "instanceIds"),
      "InvalidParameterType",
      /instanceIds must be a list of instance ids, not text/,
    );
  });

  it("of a Describe call: empty allowed, a repeated id described once", () => {
    expect(parse(describing, [], "instanceIds")).toEqual([]);
    expect(parse(describing, [INSTANCE_ID, INSTANCE_ID], "instanceIds")).toEqual([INSTANCE_ID]);
    expectRefused(() => parse(describing, [INSTANCE_ID, "i-1"], "instanceIds"), "InvalidInstanceID.Malformed", /instanceIds\[1\]/);
  });
});

describe("tags", () => {
  it("accept EC2's limits", () => {
    const tags = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`.padEnd(128, "x"), value: "v".repeat(256) }));
    expect(parse(TagsSchema, tags, "tags")).toEqual(tags);
    expect(parse(TagsSchema, [{ key: "Name", value: "" }], "tags")).toEqual([{ key: "Name", value: "" }]);
  });

  it.each([
    ["not a list", "tags", "InvalidParameterType", /tags must be a list of tags/],
    ["a tag that is not an object", ["Name=web"], "InvalidParameterType", /tags\[0\] must be a tag/],
    ["a numeric key", [{ key: 1, value: "a" }], "InvalidParameterType", /tags\[0\]\.key must be text/],
    ["an object value", [{ key: "a", value: {} }], "InvalidParameterType", /tags\[0\]\.value must be text/],
    ["a missing value", [{ key: "a" }], "MissingParameter", /tags\[0\]\.value/],
    ["an empty key", [{ key: "", value: "a" }], "InvalidParameterValue", /tags\[0\]\.key.*1 to 128 characters/],
    ["a 129-character key", [{ key: "k".repeat(129), value: "a" }], "InvalidParameterValue", /tags\[0\]\.key/],
    ["an aws: key", [{ key: "AWS:cloudformation", value: "a" }], "InvalidParameterValue", /aws:/],
    [
      "a 257-character value",
      [{ key: "Name", value: "v".repeat(257) }],
      "InvalidParameterValue",
      /tags\[0\]\.value.*tag 'Name' is longer than 256/,
    ],
    [
      "a repeated key",
      [
        { key: "a", value: "1" },
        { key: "a", value: "2" },
      ],
      "InvalidParameterValue",
      /tags\[1\]\.key.*'a' is given twice/,
    ],
    ["51 tags", Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: "" })), "InvalidParameterValue", /at most 50 tags/],
    ["an unknown field", [{ key: "a", value: "b", owner: "me" }], "InvalidParameterValue", /tags\[0\]\.owner is not known/],
  ])("refuse %s", (_, tags, code, message) => {
    expectRefused(() => parse(TagsSchema, tags, "tags"), code as never, message);
  });
});

describe("instance attributes", () => {
  it("an instance type is a name; the catalog says whether it exists", () => {
    expect(parse(InstanceTypeNameSchema, "x9.imaginary", "instanceType")).toBe("x9.imaginary");
    expectRefused(() => parse(InstanceTypeNameSchema, "", "instanceType"), "InvalidParameterValue", /describeInstanceTypes/);
    expectRefused(() => parse(InstanceTypeNameSchema, "t".repeat(10_000), "instanceType"), "InvalidParameterValue", /instanceType/);
    expectRefused(() => parse(InstanceTypeNameSchema, 3, "instanceType"), "InvalidParameterType", /instance type's name/);
  });

  it("shutdown behaviour is stop or terminate", () => {
    expect(parse(ShutdownBehaviorSchema, "terminate", "b")).toBe("terminate");
    expectRefused(
      () => parse(ShutdownBehaviorSchema, "hibernate", "b"),
      "InvalidParameterValue",
      /Value \(hibernate\).*'stop' or 'terminate'/,
    );
    expectRefused(() => parse(ShutdownBehaviorSchema, true, "b"), "InvalidParameterType", /'stop' or 'terminate', not a boolean/);
  });

  it.each([1, 0, "yes", "true", {}, null])("a flag is true or false, never %j", (value) => {
    expectRefused(() => parse(FlagSchema, value, "hibernate"), "InvalidParameterType", /hibernate must be true or false/);
  });

  it("a terminal size fits the guest's console", () => {
    expect(parse(TerminalSizeSchema, { rows: 2, cols: 1000 }, "size")).toEqual({ rows: 2, cols: 1000 });
    expectRefused(() => parse(TerminalSizeSchema, { rows: 24.5, cols: 80 }, "size"), "InvalidParameterValue", /24\.5x80 is not possible/);
    expectRefused(() => parse(TerminalSizeSchema, { rows: 24 }, "size"), "MissingParameter", /parameter cols/);
    expectRefused(() => parse(TerminalSizeSchema, [24, 80], "size"), "InvalidParameterType", /size must be a terminal size/);
  });
});

describe("names", () => {
  it("an image's name has EC2's characters and length", () => {
    expect(parse(ImageNameSchema, "web server (v2) [prod]/a.b-c'd@e_f", "name")).toBe("web server (v2) [prod]/a.b-c'd@e_f");
    for (const bad of ["ab", "a".repeat(129), "naïve", "semi;colon"]) {
      expectRefused(() => parse(ImageNameSchema, bad, "name"), "InvalidParameterValue", /3 to 128 letters/);
    }
  });

  it("a volume's name is a tag value", () => {
    expect(parse(VolumeNameSchema, "v".repeat(256), "name")).toHaveLength(256);
    expectRefused(() => parse(VolumeNameSchema, "v".repeat(257), "name"), "InvalidParameterValue", /at most 256 characters/);
  });
});
