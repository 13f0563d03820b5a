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

  it("refuses a type with less memory than the image needs", () => {
    expect(() => launchSpec({ instanceType: "t3.nano" }, [{ ...image, minMemoryMib: 128 }])).toThrow(
      /needs at least 128 MiB; t3\.nano has 64 MiB/,
    );
  });
});
