/**
 * The image cache: verified image files stored once by SHA-256 (two images sharing a kernel
 * share its blob) and the image records that name them. Which blobs an image's removal frees is
 * the images module's decision; this store reads what it needs and deletes what it is told.
 */
import { storageError, type StoredBlob, type StoredImage, type TabcloudDatabase, type VolumeBase } from "./database.ts";

/** Everything that reads from blobs once an image is gone, as stored. */
export interface BlobReferences {
  /** The images left. */
  readonly images: readonly StoredImage[];
  /** What every volume's and every snapshot's unwritten blocks read as. */
  readonly bases: readonly VolumeBase[];
}

/**
 * Picks the blobs to delete with a removed image. It runs inside the removal's transaction,
 * which closes if it waits on anything else: it must be synchronous.
 */
export type BlobsToFree = (removed: StoredImage, references: BlobReferences) => Iterable<string>;

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

  /**
   * Which of these blobs are stored. Counted, not looked up: Chromium reads a record's value to
   * answer getKey, and a blob is a whole root disk, read on every launch for nothing.
   */
  async present(sha256s: readonly string[]): Promise<Set<string>> {
    const store = this.#db.transaction("blobs").store;
    const counted = await Promise.all(sha256s.map(async (sha) => ((await store.count(sha)) > 0 ? sha : null)));
    return new Set(counted.filter((sha) => sha !== null));
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
      throw storageError(error, `keep the image ${image.imageId} in this browser`);
    }
  }

  /**
   * Forgets an image and deletes the blobs blobsToFree picks; returns the bytes freed. One
   * transaction reads the references, deletes and commits, so nothing registered meanwhile can
   * start using a blob that is being deleted.
   */
  async removeImage(imageId: string, blobsToFree: BlobsToFree): Promise<number> {
    try {
      const tx = this.#db.transaction(["images", "blobs", "volumes", "snapshots"], "readwrite");
      const images = tx.objectStore("images");
      const removed = await images.get(imageId);
      if (!removed) {
        await tx.done;
        return 0;
      }
      await images.delete(imageId);
      const references: BlobReferences = {
        images: await images.getAll(),
        bases: [
          ...(await tx.objectStore("volumes").getAll()).map((volume) => volume.base),
          ...(await tx.objectStore("snapshots").getAll()).map((snapshot) => snapshot.base),
        ],
      };
      let freedBytes = 0;
      for (const sha256 of new Set(blobsToFree(removed, references))) {
        const blob = await tx.objectStore("blobs").get(sha256);
        if (!blob) continue;
        freedBytes += blob.sizeBytes;
        await tx.objectStore("blobs").delete(sha256);
      }
      await tx.done;
      return freedBytes;
    } catch (error) {
      throw storageError(error, `forget the image ${imageId}`);
    }
  }
}
