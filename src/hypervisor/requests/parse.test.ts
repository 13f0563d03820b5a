import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { Ec2Error } from "../../shared/errors.ts";
import { checkWithCode, parse } from "./parse.ts";
import { requestObject } from "./common.ts";
import { expectRefused } from "./testing.ts";

interface Point {
  readonly x: number;
  readonly label?: string;
  readonly tags?: readonly { readonly key: string }[];
}

const PointSchema = requestObject<Point>({
  x: v.pipe(v.number(), v.integer("x must be a whole number.")),
  label: v.optional(v.pipe(v.string(), v.maxLength(3, "A label is at most 3 characters."))),
  tags: v.optional(v.array(requestObject<{ readonly key: string }>({ key: v.string() }))),
});

describe("parse", () => {
  it("returns the typed value", () => {
    expect(parse(PointSchema, { x: 1, label: "abc" }, "point")).toEqual({ x: 1, label: "abc" });
  });

  it.each([
    ["a missing argument", undefined, "MissingParameter", /^The request must contain the parameter point\.$/],
    ["a missing field", {}, "MissingParameter", /^The request must contain the parameter x\.$/],
    ["a field given as undefined", { x: undefined }, "MissingParameter", /parameter x\.$/],
    ["null for the object", null, "InvalidParameterType", /^The parameter point must be an object of named parameters, not null\.$/],
    ["an array for the object", [1], "InvalidParameterType", /point must be an object.*, not a list\./],
    ["a Date for the object", new Date(0), "InvalidParameterType", /not a Date\./],
    ["text for a number", { x: "1" }, "InvalidParameterType", /^The parameter x must be a number, not text\.$/],
    ["null for a number", { x: null }, "InvalidParameterType", /x must be a number, not null/],
    ["NaN", { x: NaN }, "InvalidParameterValue", /^Value \(NaN\) for parameter x is invalid\. It must be a number; NaN is not one\.$/],
    ["a fraction", { x: 1.5 }, "InvalidParameterValue", /^Value \(1\.5\) for parameter x is invalid\. x must be a whole number\.$/],
    [
      "a long label",
      { x: 1, label: "abcd" },
      "InvalidParameterValue",
      /Value \(abcd\) for parameter label is invalid\. A label is at most 3/,
    ],
    [
      "an unknown key",
      { x: 1, y: 2 },
      "InvalidParameterValue",
      /^The parameter y is not known\. The parameters here are x, label, tags\.$/,
    ],
    ["a nested type", { x: 1, tags: [{ key: "a" }, { key: 2 }] }, "InvalidParameterType", /parameter tags\[1\]\.key must be text/],
    [
      "a nested unknown key",
      { x: 1, tags: [{ key: "a", value: "b" }] },
      "InvalidParameterValue",
      /parameter tags\[0\]\.value is not known\. The only parameter here is key\./,
    ],
  ])("refuses %s", (_, input, code, message) => {
    expectRefused(() => parse(PointSchema, input, "point"), code as never, message);
  });

  it("names an element of a list argument by the argument's name", () => {
    expectRefused(() => parse(v.array(v.string()), ["a", 1], "names"), "InvalidParameterType", /parameter names\[1\] must be text/);
  });

  it("shortens long values and keys in messages", () => {
    const error = catchError(() => parse(PointSchema, { x: 1, ["k".repeat(10_000)]: 1 }, "point"));
    expect(error.message.length).toBeLessThan(300);
    expect(catchError(() => parse(PointSchema, { x: 1, label: "x".repeat(10_000) }, "point")).message.length).toBeLessThan(300);
  });

  it("accepts objects without a prototype", () => {
    const input = Object.assign(Object.create(null) as object, { x: 2 });
    expect(parse(PointSchema, input, "point")).toEqual({ x: 2 });
  });

  it("answers a check's own code", () => {
    const schema = v.pipe(
      v.string(),
      checkWithCode("InvalidVolumeID.Malformed", (id: string) => id.startsWith("vol-"), "expected vol- and 17 hex digits"),
    );
    expectRefused(
      () => parse(schema, "i-1", "volumeId"),
      "InvalidVolumeID.Malformed",
      /^Invalid id: 'i-1' for parameter volumeId \(expected vol-/,
    );
  });

  it("answers an object that throws when read with InvalidParameterValue", () => {
    const hostile = new Proxy(
      {},
      {
        has: () => {
          throw new Error("no");
        },
      },
    );
    expectRefused(() => parse(PointSchema, hostile, "point"), "InvalidParameterValue", /point could not be read/);
  });
});

function catchError(call: () => unknown): Ec2Error {
  try {
    call();
  } catch (error) {
    if (error instanceof Ec2Error) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}
