import { describe, expect, it } from "vitest";
import { parseCreateImage, parseDeregisterImage, parseDownloadImage, parseImportImage } from "./images.ts";
import { expectRefused, IMAGE_ID, INSTANCE_ID } from "./testing.ts";

describe("image requests", () => {
  it("downloadImage takes an image id and optional progress and signal", () => {
    const onProgress = () => undefined;
    const { signal } = new AbortController();
    expect(parseDownloadImage(IMAGE_ID, undefined)).toEqual({ imageId: IMAGE_ID, options: {} });
    expect(parseDownloadImage(IMAGE_ID, { onProgress, signal }).options).toEqual({ onProgress, signal });
    expectRefused(() => parseDownloadImage(IMAGE_ID, { onProgress: "log" }), "InvalidParameterType", /onProgress must be a function/);
    expectRefused(() => parseDownloadImage(IMAGE_ID, { signal: {} }), "InvalidParameterType", /signal must be an AbortSignal/);
    expectRefused(() => parseDownloadImage("tabcloud-linux", undefined), "InvalidAMIID.Malformed", /tabcloud-linux/);
  });

  it("deregisterImage takes an image id", () => {
    expect(parseDeregisterImage(IMAGE_ID)).toBe(IMAGE_ID);
    expectRefused(() => parseDeregisterImage(null), "InvalidParameterType", /imageId must be an image id/);
  });

  it("createImage takes a name and an optional description", () => {
    expect(parseCreateImage(INSTANCE_ID, { name: "web v2" })).toEqual({ instanceId: INSTANCE_ID, request: { name: "web v2" } });
    expectRefused(() => parseCreateImage(INSTANCE_ID, {}), "MissingParameter", /parameter name/);
    expectRefused(() => parseCreateImage(INSTANCE_ID, { name: "ab" }), "InvalidParameterValue", /3 to 128/);
    expectRefused(() => parseCreateImage(INSTANCE_ID, { name: "web", description: "d".repeat(256) }), "InvalidParameterValue", /255/);
    expectRefused(() => parseCreateImage(INSTANCE_ID, "web"), "InvalidParameterType", /request must be an object/);
  });

  it("importImage takes a name, two files and an optional command line", () => {
    const request = { name: "mine", kernel: new Uint8Array(4), rootDisk: new Uint8Array(4), kernelCommandLine: "console=ttyS0" };
    expect(parseImportImage(request)).toEqual(request);
    expectRefused(() => parseImportImage({ ...request, kernel: undefined }), "MissingParameter", /parameter kernel/);
    expectRefused(() => parseImportImage({ ...request, rootDisk: [1, 2] }), "InvalidParameterType", /rootDisk must be bytes/);
    expectRefused(() => parseImportImage({ ...request, kernelCommandLine: "x".repeat(2049) }), "InvalidParameterValue", /2048/);
    expectRefused(() => parseImportImage({ ...request, name: "a;b" }), "InvalidParameterValue", /image's name/);
  });
});
