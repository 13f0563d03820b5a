/**
 * The image cache: verified image files stored once by SHA-256 (two images sharing a kernel
 * share its blob) and the image records that name them. A blob is freed when no image, volume,
 * snapshot or instance uses it any more.
 */
import type { ImageFileRole } from "../images/manifest.ts";
import { IMAGE_FILE_ROLES } from "../images/manifest.ts";
import { storageError, type StoredBlob, type StoredImage, type TabcloudDatabase } from "./database.ts";

export class ImageCache {
  readonly #db: TabcloudDatabase;

  constructor(db: TabcloudDatabase) {
    this.#db = db;
  }

  async images(): Promise<StoredImage[]> {
    return this.#db.getAll("images");
  }

  async image(imageId: string): Promise<StoredImage | undefined> {
    return this.#db.get("images", imageId);
  }

  async blob(sha256: string): Promise<ArrayBuffer | undefined> {
    return (await this.#db.get("blobs", sha256))?.bytes;
  }

  /** Which of these blobs are stored. */
  async present(sha256s: readonly string[]): Promise<Set<string>> {
    const keys = await Promise.all(sha256s.map((sha) => this.#db.getKey("blobs", sha)));
    return new Set(keys.filter((key): key is string => key !== undefined));
  }

  /** Stores files that belong to no image (formatted volume templates). */
  async putBlobs(blobs: readonly StoredBlob[]): Promise<void> {
    try {
      const tx = this.#db.transaction("blobs", "readwrite");
      await Promise.all([...blobs.map((blob) => tx.store.put(blob)), tx.done]);
    } catch (error) {
      throw storageError(error, "keep a file in this browser");
    }
  }

  /** Stores an image's record and its new blobs together: either all are kept or none. */
  async putImage(image: StoredImage, blobs: readonly StoredBlob[]): Promise<void> {
    try {
      const tx = this.#db.transaction(["images", "blobs"], "readwrite");
      await Promise.all([...blobs.map((blob) => tx.objectStore("blobs").put(blob)), tx.objectStore("images").put(image), tx.done]);
    } catch (error) {
      throw storageError(error, `keep the image ${image.manifest.name} in this browser`);
    }
  }

  /**
   * Forgets an image and frees every blob nothing else uses; returns the bytes freed. Volumes,
   * snapshots and instances keep the blobs they read from alive.
   */
  async removeImage(imageId: string): Promise<number> {
    const tx = this.#db.transaction(["images", "blobs", "volumes", "snapshots", "instances"], "readwrite");
    const image = await tx.objectStore("images").get(imageId);
    if (!image) {
      await tx.done;
      return 0;
    }
    await tx.objectStore("images").delete(imageId);
    const used = new Set<string>();
    for (const other of await tx.objectStore("images").getAll())
      for (const role of IMAGE_FILE_ROLES) used.add(other.manifest.files[role].sha256);
    for (const volume of await tx.objectStore("volumes").getAll()) if (volume.base.kind === "blob") used.add(volume.base.sha256);
    for (const snapshot of await tx.objectStore("snapshots").getAll()) if (snapshot.base.kind === "blob") used.add(snapshot.base.sha256);
    for (const stored of await tx.objectStore("instances").getAll()) {
      if (stored.instance.state.name === "terminated") continue;
      for (const role of BOOT_ROLES) used.add(stored.image.files[role].sha256);
    }
    let freed = 0;
    for (const role of IMAGE_FILE_ROLES) {
      const sha = image.manifest.files[role].sha256;
      if (used.has(sha)) continue;
      const blob = await tx.objectStore("blobs").get(sha);
      if (!blob) continue;
      freed += blob.sizeBytes;
      used.add(sha);
      await tx.objectStore("blobs").delete(sha);
    }
    await tx.done;
    return freed;
  }
}

/** The files an instance boots from besides its root volume. */
const BOOT_ROLES: readonly ImageFileRole[] = ["bios", "vgaBios", "kernel"];
