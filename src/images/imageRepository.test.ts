import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { openTabcloudDatabase } from "../persistence/database.ts";
import { ImageCache } from "../persistence/imageCache.ts";
import { ImageRepository } from "./imageRepository.ts";
import { sha, testBlob, testManifest } from "./testManifests.ts";

const AMI_A = "ami-0000000000000000a";
const AMI_B = "ami-0000000000000000b";
const offline = () => Promise.reject(new TypeError("offline"));

async function twoImages() {
  const db = await openTabcloudDatabase({ name: `test-${Math.random()}` });
  const repository = new ImageRepository("file:///images/index.json", offline, new ImageCache(db));
  const held = (imageId: string, kernel: string, root: string) => ({
    imageId,
    manifest: testManifest(imageId, kernel, root),
    source: "created" as const,
    registeredAt: "2026-01-01T00:00:00.000Z",
    rootSnapshotId: null,
  });
  await repository.register(held(AMI_A, "1", "2"), [testBlob("b"), testBlob("c"), testBlob("1"), testBlob("2")]);
  await repository.register(held(AMI_B, "1", "3"), [testBlob("3")]);
  return { db, repository };
}

describe("the image repository", () => {
  it("lists the images this browser holds, read back and validated, even offline", async () => {
    const { db, repository } = await twoImages();
    const described = await repository.describeImages();
    expect(described.ok && described.value.map((image) => [image.imageId, image.source, image.availableOffline])).toEqual([
      [AMI_A, "created", true],
      [AMI_B, "created", true],
    ]);
    // A record this version cannot read is left out rather than shown half-known.
    await db.put("images", { imageId: "ami-broken", manifest: { name: 1 }, source: "imported", registeredAt: "", rootSnapshotId: null });
    const again = await repository.describeImages();
    expect(again.ok && again.value.map((image) => image.imageId)).toEqual([AMI_A, AMI_B]);
    db.close();
  });

  it("deregisters an image, freeing only the files nothing else uses", async () => {
    const { db, repository } = await twoImages();
    expect(await repository.deregister(AMI_A)).toBe(4); // its root volume; BIOS and kernel are shared
    expect(await repository.blob(sha("2"))).toBeUndefined();
    expect(await repository.blob(sha("1"))).toBeDefined();
    // An instance still booting from the kernel keeps it; the rest of the image goes.
    expect(await repository.deregister(AMI_B, new Set([sha("1")]))).toBe(8);
    expect(await repository.blob(sha("1"))).toBeDefined();
    expect(await repository.blob(sha("b"))).toBeUndefined();
    expect(await repository.deregister(AMI_B)).toBe(0);
    db.close();
  });
});
