import { describe, expect, it } from "vitest";
import { MAX_VOLUME_MIB } from "../ebs/volumes.ts";
import {
  parseAttachVolume,
  parseCreateSnapshot,
  parseCreateVolume,
  parseDeleteSnapshot,
  parseDescribeSnapshots,
  parseDescribeVolumes,
  parseImportVolume,
  parseVolumeId,
} from "./ebs.ts";
import { expectRefused, INSTANCE_ID, SNAPSHOT_ID, VOLUME_ID } from "./testing.ts";

describe("parseCreateVolume", () => {
  it.each([
    [{ sizeMib: 1 }],
    [{ sizeMib: MAX_VOLUME_MIB, filesystem: "ext4", tags: [{ key: "Name", value: "data" }] }],
    [{ snapshotId: SNAPSHOT_ID, tags: [] }],
  ])("takes %j", (request) => {
    expect(parseCreateVolume(request)).toEqual(request);
  });

  it.each([
    ["nothing", undefined, "MissingParameter", /sizeMib.*snapshotId/],
    ["neither size nor snapshot", { tags: [] }, "MissingParameter", /sizeMib.*snapshotId/],
    ["both size and snapshot", { sizeMib: 8, snapshotId: SNAPSHOT_ID }, "InvalidParameterValue", /parameter sizeMib.*leave out sizeMib/],
    [
      "a file system on a snapshot's volume",
      { snapshotId: SNAPSHOT_ID, filesystem: "ext4" },
      "InvalidParameterValue",
      /leave out filesystem/,
    ],
    ["a file system not offered", { sizeMib: 8, filesystem: "xfs" }, "InvalidParameterValue", /Value \(xfs\).*'ext4'/],
    ["a size of 0", { sizeMib: 0 }, "InvalidParameterValue", /from 1 to 1024/],
    ["a size too large", { sizeMib: MAX_VOLUME_MIB + 1 }, "InvalidParameterValue", /from 1 to 1024/],
    ["a fractional size", { sizeMib: 1.5 }, "InvalidParameterValue", /whole number of MiB/],
    ["a size as text", { sizeMib: "8" }, "InvalidParameterType", /sizeMib must be a number/],
    ["a malformed snapshot id", { snapshotId: "snap-1" }, "InvalidSnapshotID.Malformed", /snap-1/],
    ["tags as text", { sizeMib: 8, tags: "tags" }, "InvalidParameterType", /tags must be a list/],
    ["numeric tag keys", { sizeMib: 8, tags: [{ key: 1, value: "a" }] }, "InvalidParameterType", /tags\[0\]\.key/],
    ["object tag values", { sizeMib: 8, tags: [{ key: "a", value: {} }] }, "InvalidParameterType", /tags\[0\]\.value/],
    ["a 10,000-character tag key", { sizeMib: 8, tags: [{ key: "k".repeat(10_000), value: "" }] }, "InvalidParameterValue", /128/],
    [
      "repeated tag keys",
      {
        sizeMib: 8,
        tags: [
          { key: "a", value: "" },
          { key: "a", value: "" },
        ],
      },
      "InvalidParameterValue",
      /given twice/,
    ],
  ])("refuses %s", (_, request, code, message) => {
    expectRefused(() => parseCreateVolume(request), code as never, message);
  });
});

describe("volume and snapshot ids", () => {
  it("Describe calls take lists of ids, or nothing", () => {
    expect(parseDescribeVolumes(undefined)).toEqual({});
    expect(parseDescribeVolumes({ volumeIds: [VOLUME_ID, VOLUME_ID] })).toEqual({ volumeIds: [VOLUME_ID] });
    expect(parseDescribeSnapshots({ snapshotIds: [SNAPSHOT_ID] })).toEqual({ snapshotIds: [SNAPSHOT_ID] });
    expectRefused(() => parseDescribeVolumes({ volumeIds: 1.5 }), "InvalidParameterType", /volumeIds must be a list of volume ids/);
    expectRefused(() => parseDescribeSnapshots({ snapshotIds: [VOLUME_ID] }), "InvalidSnapshotID.Malformed", /snapshotIds\[0\]/);
    expectRefused(() => parseDescribeVolumes(null), "InvalidParameterType", /request must be an object/);
  });

  it("one-volume and one-snapshot actions take their kind of id", () => {
    expect(parseVolumeId(VOLUME_ID)).toBe(VOLUME_ID);
    expectRefused(() => parseVolumeId(SNAPSHOT_ID), "InvalidVolumeID.Malformed", /volumeId/);
    expect(parseDeleteSnapshot(SNAPSHOT_ID)).toBe(SNAPSHOT_ID);
    expectRefused(() => parseDeleteSnapshot(undefined), "MissingParameter", /snapshotId/);
    expect(parseAttachVolume(VOLUME_ID, INSTANCE_ID)).toEqual({ volumeId: VOLUME_ID, instanceId: INSTANCE_ID });
    expectRefused(() => parseAttachVolume(VOLUME_ID, VOLUME_ID), "InvalidInstanceID.Malformed", /instanceId/);
  });

  it("a snapshot's description is optional text of at most 255 characters", () => {
    expect(parseCreateSnapshot(VOLUME_ID, undefined)).toEqual({ volumeId: VOLUME_ID, description: undefined });
    expect(parseCreateSnapshot(VOLUME_ID, "d".repeat(255)).description).toHaveLength(255);
    expectRefused(() => parseCreateSnapshot(VOLUME_ID, "d".repeat(256)), "InvalidParameterValue", /at most 255/);
    expectRefused(() => parseCreateSnapshot(VOLUME_ID, 5), "InvalidParameterType", /description must be text/);
  });
});

describe("parseImportVolume", () => {
  it("takes bytes and an optional name", () => {
    const bytes = new Uint8Array(512);
    expect(parseImportVolume(bytes, undefined)).toEqual({ bytes, request: {} });
    expect(parseImportVolume(bytes, { name: "disk" }).request).toEqual({ name: "disk" });
  });

  it.each([
    ["null options", new Uint8Array(1), null, "InvalidParameterType", /request must be an object/],
    ["a 10,000-character name", new Uint8Array(1), { name: "n".repeat(10_000) }, "InvalidParameterValue", /at most 256/],
    ["a name that is not text", new Uint8Array(1), { name: 5 }, "InvalidParameterType", /name must be text/],
    ["no bytes", undefined, {}, "MissingParameter", /parameter bytes/],
    ["an empty disk", new Uint8Array(0), {}, "InvalidParameterValue", /has 0 bytes/],
    ["an ArrayBuffer", new ArrayBuffer(4), {}, "InvalidParameterType", /bytes must be bytes \(a Uint8Array\), not an? ArrayBuffer/],
  ])("refuses %s", (_, bytes, request, code, message) => {
    expectRefused(() => parseImportVolume(bytes, request), code as never, message);
  });
});
