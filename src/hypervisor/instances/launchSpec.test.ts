import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ImageManifest } from "../../images/manifest.ts";
import { SERVED_IMAGES_DIR } from "../platform/nodeHypervisor.ts";
import { launchSpec, MAX_USER_DATA_BYTES } from "./launchSpec.ts";

const image = JSON.parse(readFileSync(`${SERVED_IMAGES_DIR}/tabcloud-linux/manifest.json`, "utf8")) as ImageManifest;

describe("launchSpec", () => {
  it("fills EC2's defaults", () => {
    const spec = launchSpec({}, [image]);
    expect(spec).toMatchObject({
      count: 1,
      image,
      tags: [],
      creditMode: "unlimited",
      userData: null,
      disableApiTermination: false,
      instanceInitiatedShutdownBehavior: "stop",
    });
    expect(spec.type.name).toBe("t3.micro");
  });

  it.each([
    [{ count: 1.5 }, "InvalidParameterValue", /Count/],
    [{ instanceType: "x1.huge" }, "InvalidParameterValue", /x1\.huge/],
    [{ imageId: "ami-0123456789abcdef0" }, "InvalidAMIID.NotFound", /ami-0123456789abcdef0/],
    [{ tags: [{ key: "", value: "x" }] }, "InvalidParameterValue", /tag key/],
    [{ tags: [{ key: "Name", value: "x".repeat(257) }] }, "InvalidParameterValue", /Name/],
    [{ userData: "x".repeat(MAX_USER_DATA_BYTES + 1) }, "InvalidParameterValue", /16 KiB/],
    [{ creditSpecification: { cpuCredits: "burst" } }, "InvalidParameterValue", /burst/],
    [{ instanceInitiatedShutdownBehavior: "hibernate" }, "InvalidParameterValue", /hibernate/],
    [{ terminalSize: { rows: 5000, cols: 80 } }, "InvalidParameterValue", /5000x80/],
  ])("refuses %j with %s", (request, code, message) => {
    expect(() => launchSpec(request as never, [image])).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });

  it.each([
    ["an instance id instead of a request", "i-123", "InvalidParameterType", /request must be an object/],
    ["null", null, "InvalidParameterType", /request must be an object/],
    [
      "repeated tag keys",
      {
        tags: [
          { key: "a", value: "1" },
          { key: "a", value: "2" },
        ],
      },
      "InvalidParameterValue",
      /given twice/,
    ],
    ["a malformed image id", { imageId: "ami-1" }, "InvalidAMIID.Malformed", /ami-1/],
    ["dryRun as text", { dryRun: "true" }, "InvalidParameterType", /dryRun/],
  ])("refuses %s before looking at the catalog", (_, request, code, message) => {
    expect(() => launchSpec(request, [image])).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });

  it("launches the default for no request at all", () => {
    expect(launchSpec(undefined, [image])).toEqual(launchSpec({}, [image]));
  });

  it("carries the request's choices and dryRun", () => {
    const spec = launchSpec(
      {
        count: 2,
        tags: [{ key: "Name", value: "web" }],
        terminalSize: { rows: 40, cols: 120 },
        creditSpecification: { cpuCredits: "standard" },
        userData: "#!/bin/sh\n",
        disableApiTermination: true,
        instanceInitiatedShutdownBehavior: "terminate",
        dryRun: true,
      },
      [image],
    );
    expect(spec).toMatchObject({
      count: 2,
      tags: [{ key: "Name", value: "web" }],
      terminalSize: { rows: 40, cols: 120 },
      creditMode: "standard",
      userData: "#!/bin/sh\n",
      disableApiTermination: true,
      instanceInitiatedShutdownBehavior: "terminate",
      dryRun: true,
    });
  });

  it("refuses a type with less memory than the image needs", () => {
    expect(() => launchSpec({ instanceType: "t3.nano" }, [{ ...image, minMemoryMib: 128 }])).toThrow(
      /needs at least 128 MiB; t3\.nano has 64 MiB/,
    );
  });
});
