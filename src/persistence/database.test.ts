import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { DATABASE_VERSION, openTabcloudDatabase, storageError, type StoredImage, type StoredVolume } from "./database.ts";
import { ImageCache, type BlobReferences } from "./imageCache.ts";
import { VolumeStore } from "./volumeStore.ts";

let databases = 0;
const freshName = () => `test-${++databases}-${Math.random()}`;

function file(sha: string) {
  return { path: `${sha}.bin`, encoding: "identity" as const, sizeBytes: 4, sha256: sha.repeat(64).slice(0, 64), encodedSizeBytes: 4 };
}

/** An image manifest as the images module writes it: this module keeps it without reading it. */
function manifest(imageId: string, kernel: string, root: string) {
  return {
    schemaVersion: 1,
    imageId,
    name: imageId,
    description: "",
    os: "Linux",
    distribution: "test",
    version: "1",
    architecture: "i386",
    rootDeviceType: "ebs",
    kernelCommandLine: "",
    minMemoryMib: 64,
    rootVolumeSizeBytes: 4096,
    creationDate: "2026-01-01T00:00:00.000Z",
    files: { bios: file("b"), kernel: file(kernel), rootVolume: file(root) },
  };
}

const blob = (sha: string) => ({ sha256: sha.repeat(64).slice(0, 64), sizeBytes: 4, bytes: new Uint8Array([1, 2, 3, 4]).buffer });

describe("the database schema", () => {
  it("upgrades a version 1 database: cached images are kept and marked as from the catalog", async () => {
    const name = freshName();
    const v1 = await openTabcloudDatabase({ name }, 1);
    expect([...v1.objectStoreNames].sort()).toEqual(["blobs", "images"]);
    // Version 1's image record, as it wrote it.
    const old = {
      imageId: "ami-0123456789abcdef0",
      manifest: manifest("ami-0123456789abcdef0", "k", "r"),
      cachedAt: "2026-05-01T10:00:00.000Z",
    };
    await v1.put("images", old as never);
    await v1.put("blobs", blob("k"));
    v1.close();

    const current = await openTabcloudDatabase({ name });
    expect(current.version).toBe(DATABASE_VERSION);
    expect([...current.objectStoreNames].sort()).toEqual([
      "blobs",
      "goldenStateBytes",
      "goldenStates",
      "hibernations",
      "images",
      "instances",
      "labProgress",
      "launchTemplates",
      "network",
      "settings",
      "snapshotBlocks",
      "snapshots",
      "volumeBlocks",
      "volumes",
    ]);
    const image = await current.get("images", old.imageId);
    expect(image).toEqual({
      imageId: old.imageId,
      manifest: old.manifest,
      source: "catalog",
      registeredAt: old.cachedAt,
      rootSnapshotId: null,
    });
    expect((await current.get("blobs", blob("k").sha256))?.sizeBytes).toBe(4);
    current.close();
  });

  it("turns a full disk into an error that says what to delete", () => {
    const error = storageError(new DOMException("full", "QuotaExceededError"), "save the volume vol-1");
    expect(error.code).toBe("StorageQuotaExceeded");
    expect(error.message).toMatch(/Cannot save the volume vol-1: .*full.*Delete snapshots, volumes or cached images/);
  });
});

describe("the image cache", () => {
  const image = (imageId: string, kernel: string, root: string): StoredImage => ({
    imageId,
    manifest: manifest(imageId, kernel, root),
    source: "catalog",
    registeredAt: "",
    rootSnapshotId: null,
  });

  it("stores a file two images share once", async () => {
    const db = await openTabcloudDatabase({ name: freshName() });
    const cache = new ImageCache(db);
    await cache.putImage(image("ami-a", "k", "r"), [blob("b"), blob("v"), blob("k"), blob("r")]);
    await cache.putImage(image("ami-b", "k", "s"), [blob("k"), blob("s")]);
    expect(await db.count("blobs")).toBe(5);
    expect((await cache.images()).map((stored) => stored.imageId)).toEqual(["ami-a", "ami-b"]);
    db.close();
  });

  it("forgets an image and deletes the blobs it is told to, shown what still refers to blobs", async () => {
    const db = await openTabcloudDatabase({ name: freshName() });
    const cache = new ImageCache(db);
    await cache.putImage(image("ami-a", "k", "r"), [blob("b"), blob("v"), blob("k"), blob("r")]);
    await cache.putImage(image("ami-b", "k", "s"), [blob("s")]);
    const volume: StoredVolume = {
      volumeId: "vol-1",
      sizeBytes: 4096,
      volumeType: "gp3",
      createTime: "",
      base: { kind: "blob", sha256: blob("s").sha256 },
      snapshotId: "",
      attachment: null,
      tags: [],
    };
    await new VolumeStore(db).createVolume(volume, new Map());

    let seen: { removed: StoredImage; references: BlobReferences } | undefined;
    const freed = await cache.removeImage("ami-a", (removed, references) => {
      seen = { removed, references };
      // A blob that is not stored frees nothing; one named twice is counted once.
      return [blob("r").sha256, blob("r").sha256, blob("x").sha256];
    });
    expect(freed).toBe(4);
    expect(seen?.removed.imageId).toBe("ami-a");
    expect(seen?.references.images.map((stored) => stored.imageId)).toEqual(["ami-b"]);
    expect(seen?.references.bases).toEqual([volume.base]);
    expect(await cache.present([blob("r").sha256, blob("k").sha256])).toEqual(new Set([blob("k").sha256]));
    expect(await cache.image("ami-a")).toBeUndefined();

    expect(await cache.removeImage("ami-missing", () => [blob("k").sha256])).toBe(0);
    expect(await cache.present([blob("k").sha256])).toEqual(new Set([blob("k").sha256]));
    db.close();
  });
});

describe("the volume store", () => {
  const volume = (volumeId: string): StoredVolume => ({
    volumeId,
    sizeBytes: 4 * 4096,
    volumeType: "gp3",
    createTime: "",
    base: { kind: "zero" },
    snapshotId: "",
    attachment: null,
    tags: [],
  });
  const block = (fill: number) => new Uint8Array(4096).fill(fill);

  it("keeps each volume's blocks apart, flushes overwrite, and a snapshot does not change with later writes", async () => {
    const db = await openTabcloudDatabase({ name: freshName() });
    const store = new VolumeStore(db);
    await store.createVolume(volume("vol-a"), new Map([[0, block(1)]]));
    await store.createVolume(volume("vol-b"), new Map());
    await store.writeBlocks(
      "vol-a",
      new Map([
        [0, block(2)],
        [3, block(3)],
      ]),
    );
    await store.writeBlocks("vol-b", new Map([[1, block(9)]]));
    const a = await store.volumeBlocks("vol-a");
    expect([...a.keys()]).toEqual([0, 3]);
    expect(a.get(0)?.[0]).toBe(2);

    const snapshot = await store.createSnapshot({
      snapshotId: "snap-1",
      volumeId: "vol-a",
      sizeBytes: 4 * 4096,
      base: { kind: "zero" },
      startTime: "",
      description: "",
    });
    expect(snapshot.storedBytes).toBe(2 * 4096);
    await store.writeBlocks("vol-a", new Map([[0, block(7)]]));
    expect((await store.snapshotBlocks("snap-1")).get(0)?.[0]).toBe(2);

    await store.deleteVolume("vol-a");
    expect((await store.volumeBlocks("vol-a")).size).toBe(0);
    expect((await store.volumeBlocks("vol-b")).size).toBe(1);
    expect((await store.snapshotBlocks("snap-1")).size).toBe(2);
    await store.deleteSnapshot("snap-1");
    expect(await store.snapshots()).toEqual([]);
    expect(await db.count("snapshotBlocks")).toBe(0);
    db.close();
  });
});
