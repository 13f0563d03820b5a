import { describe, expect, it } from "vitest";
import { testInstance } from "../testing/records.ts";
import { parseDescribeInstances } from "../requests/instances.ts";
import { filterInstances } from "./describe.ts";
import { instanceState } from "./instance.ts";

const web = testInstance({
  instanceId: "i-0000000000000000a",
  imageId: "ami-0000000000000000a",
  instanceType: "t3.micro",
  tags: [
    { key: "Name", value: "web" },
    { key: "team", value: "blue" },
  ],
});
const db = testInstance({
  instanceId: "i-0000000000000000b",
  imageId: "ami-0000000000000000b",
  instanceType: "c5.large",
  state: instanceState("stopped"),
  tags: [{ key: "Name", value: "db" }],
});
const bare = testInstance({ instanceId: "i-0000000000000000c", state: instanceState("terminated"), tags: [] });
const ALL = [web, db, bare];

const ids = (filters: Parameters<typeof filterInstances>[1]) => filterInstances(ALL, filters).map((instance) => instance.instanceId);

describe("describeInstances' filters", () => {
  it.each([
    ["instance-state-name", ["stopped"], [db]],
    ["instance-type", ["c5.large"], [db]],
    ["instance-id", ["i-0000000000000000c"], [bare]],
    ["image-id", ["ami-0000000000000000a"], [web]],
    ["tag-key", ["team"], [web]],
    ["tag:Name", ["db"], [db]],
  ] as const)("%s=%j matches only the instances that have it", (name, values, expected) => {
    expect(ids([{ name, values }])).toEqual(expected.map((instance) => instance.instanceId));
  });

  it("a tag filter matches the key and the value together", () => {
    expect(ids([{ name: "tag:team", values: ["db"] }])).toEqual([]);
    expect(ids([{ name: "tag:Name", values: ["blue"] }])).toEqual([]);
  });

  it("matches any of a filter's values, and every filter", () => {
    expect(ids([{ name: "instance-state-name", values: ["running", "stopped"] }])).toEqual([web.instanceId, db.instanceId]);
    expect(
      ids([
        { name: "instance-state-name", values: ["running", "stopped"] },
        { name: "tag:Name", values: ["db", "nothing"] },
      ]),
    ).toEqual([db.instanceId]);
  });

  it("returns everything without filters, and nothing for a filter without values", () => {
    expect(ids([])).toEqual(ALL.map((instance) => instance.instanceId));
    expect(ids([{ name: "instance-type", values: [] }])).toEqual([]);
  });

  it("refuses an unknown filter with InvalidParameterValue, naming it and the supported ones, before any filtering", () => {
    // The facade checks the request (requests/instances.ts) and then filters: the same two steps.
    for (const name of ["availability-zone", "tag:", "Instance-State-Name"]) {
      expect(() => filterInstances(ALL, parseDescribeInstances({ filters: [{ name, values: ["x"] }] }).filters ?? [])).toThrow(
        expect.objectContaining({
          code: "InvalidParameterValue",
          message: expect.stringMatching(new RegExp(`\\(${name}\\).*instance-state-name`)),
        }),
      );
    }
  });
});
