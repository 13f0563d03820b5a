import { describe, expect, it } from "vitest";
import type { StoredImage, VolumeBase } from "../persistence/database.ts";
import { sha, testManifest } from "./testManifests.ts";
import { unusedBlobs } from "./unusedBlobs.ts";

const AMI_A = "ami-0000000000000000a";
const AMI_B = "ami-0000000000000000b";

const image = (imageId: string, manifest: unknown): StoredImage => ({
  imageId,
  manifest,
  source: "catalog",
  registeredAt: "",
  rootSnapshotId: null,
});
const a = image(AMI_A, testManifest(AMI_A, "1", "2"));
const b = image(AMI_B, testManifest(AMI_B, "1", "3"));
const blobBase = (digit: string): VolumeBase => ({ kind: "blob", sha256: sha(digit) });
const none = new Set<string>();

describe("which of a deregistered image's files go", () => {
  it("all of them when nothing else uses them", () => {
    expect(unusedBlobs(a, { images: [], bases: [] }, none).sort()).toEqual([sha("1"), sha("2"), sha("b")]);
  });

  it("only its own when another image shares the rest", () => {
    expect(unusedBlobs(a, { images: [b], bases: [] }, none)).toEqual([sha("2")]);
  });

  it("not a file a volume or snapshot reads from", () => {
    expect(unusedBlobs(a, { images: [b], bases: [blobBase("2"), { kind: "zero" }] }, none)).toEqual([]);
  });

  it("not a file an instance boots from", () => {
    expect(unusedBlobs(a, { images: [], bases: [] }, new Set([sha("1"), sha("b"), sha("c")]))).toEqual([sha("2")]);
  });

  it("none when a manifest cannot be read: what it uses is unknown", () => {
    expect(unusedBlobs(a, { images: [image(AMI_B, { files: "?" })], bases: [] }, none)).toEqual([]);
    expect(unusedBlobs(image(AMI_A, null), { images: [], bases: [] }, none)).toEqual([]);
  });

  it("a chunked disk's chunks, except while a volume or an instance reads the disk", () => {
    const manifest = testManifest(AMI_A, "1", "2");
    const chunked = {
      path: "rootfs.ext4",
      encoding: "chunked" as const,
      sizeBytes: 3 * 65536,
      sha256: sha("2"),
      encodedSizeBytes: 30,
      chunkPath: "../chunks/",
      chunkBytes: 65536,
      chunks: [{ sha256: sha("d"), encodedSizeBytes: 10 }, null, { sha256: sha("e"), encodedSizeBytes: 20 }],
    };
    const withChunks = image(AMI_A, { ...manifest, rootVolumeSizeBytes: 3 * 65536, files: { ...manifest.files, rootVolume: chunked } });
    expect(unusedBlobs(withChunks, { images: [], bases: [] }, none).sort()).toEqual([sha("1"), sha("b"), sha("d"), sha("e")]);
    expect(unusedBlobs(withChunks, { images: [], bases: [blobBase("2")] }, none).sort()).toEqual([sha("1"), sha("b")]);
    expect(unusedBlobs(withChunks, { images: [], bases: [] }, new Set([sha("2")])).sort()).toEqual([sha("1"), sha("b")]);
  });
});
