/**
 * EBS-style volumes and snapshots in IndexedDB. A volume's record says what its unwritten
 * blocks read as (an image file or zeros); the blocks its guest wrote are stored one record
 * per 4 KiB block, keyed [volumeId, index], so a flush writes only what changed. A snapshot
 * is a copy of a volume's blocks at one moment: volumes made from it copy them again, so
 * deleting a snapshot never touches a volume.
 */
import type { WrittenBlocks } from "../disk/blockOverlay.ts";
import { storageError, type StoredSnapshot, type StoredVolume, type TabcloudDatabase } from "./database.ts";

type BlockStore = "volumeBlocks" | "snapshotBlocks";

function blockRange(id: string): IDBKeyRange {
  return IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);
}

export class VolumeStore {
  readonly #db: TabcloudDatabase;

  constructor(db: TabcloudDatabase) {
    this.#db = db;
  }

  async volumes(): Promise<StoredVolume[]> {
    return this.#db.getAll("volumes");
  }

  async snapshots(): Promise<StoredSnapshot[]> {
    return this.#db.getAll("snapshots");
  }

  async putVolume(volume: StoredVolume): Promise<void> {
    try {
      await this.#db.put("volumes", volume);
    } catch (error) {
      throw storageError(error, `save the volume ${volume.volumeId}`);
    }
  }

  /** Creates a volume with its first blocks (a copy of a snapshot's, or none) in one transaction. */
  async createVolume(volume: StoredVolume, blocks: WrittenBlocks): Promise<void> {
    try {
      const tx = this.#db.transaction(["volumes", "volumeBlocks"], "readwrite");
      const writes: Promise<unknown>[] = [tx.objectStore("volumes").put(volume)];
      for (const [index, block] of blocks) writes.push(tx.objectStore("volumeBlocks").put(block, [volume.volumeId, index]));
      await Promise.all([...writes, tx.done]);
    } catch (error) {
      throw storageError(error, `create the volume ${volume.volumeId}`);
    }
  }

  /** How many blocks the volume's guest has written, without reading them. */
  async volumeBlockCount(volumeId: string): Promise<number> {
    return this.#db.count("volumeBlocks", blockRange(volumeId));
  }

  async volumeBlocks(volumeId: string): Promise<WrittenBlocks> {
    return this.#readBlocks("volumeBlocks", volumeId);
  }

  async snapshotBlocks(snapshotId: string): Promise<WrittenBlocks> {
    return this.#readBlocks("snapshotBlocks", snapshotId);
  }

  /** Stores blocks the guest wrote since the last flush, all or none. */
  async writeBlocks(volumeId: string, blocks: WrittenBlocks): Promise<void> {
    if (blocks.size === 0) return;
    try {
      const tx = this.#db.transaction("volumeBlocks", "readwrite");
      await Promise.all([...[...blocks].map(([index, block]) => tx.store.put(block, [volumeId, index])), tx.done]);
    } catch (error) {
      throw storageError(error, `save what the instance wrote to ${volumeId}`);
    }
  }

  async deleteVolume(volumeId: string): Promise<void> {
    const tx = this.#db.transaction(["volumes", "volumeBlocks"], "readwrite");
    await Promise.all([tx.objectStore("volumes").delete(volumeId), tx.objectStore("volumeBlocks").delete(blockRange(volumeId)), tx.done]);
  }

  /** Copies the volume's stored blocks into a new snapshot, in one transaction. */
  async createSnapshot(snapshot: Omit<StoredSnapshot, "storedBytes">): Promise<StoredSnapshot> {
    try {
      const tx = this.#db.transaction(["snapshots", "snapshotBlocks", "volumeBlocks"], "readwrite");
      const source = tx.objectStore("volumeBlocks");
      const target = tx.objectStore("snapshotBlocks");
      let storedBytes = 0;
      for (let cursor = await source.openCursor(blockRange(snapshot.volumeId)); cursor; cursor = await cursor.continue()) {
        const [, index] = cursor.key;
        storedBytes += cursor.value.byteLength;
        await target.put(cursor.value, [snapshot.snapshotId, index]);
      }
      const stored: StoredSnapshot = { ...snapshot, storedBytes };
      await tx.objectStore("snapshots").put(stored);
      await tx.done;
      return stored;
    } catch (error) {
      throw storageError(error, `snapshot the volume ${snapshot.volumeId}`);
    }
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    const tx = this.#db.transaction(["snapshots", "snapshotBlocks"], "readwrite");
    await Promise.all([
      tx.objectStore("snapshots").delete(snapshotId),
      tx.objectStore("snapshotBlocks").delete(blockRange(snapshotId)),
      tx.done,
    ]);
  }

  async #readBlocks(store: BlockStore, id: string): Promise<WrittenBlocks> {
    const tx = this.#db.transaction(store);
    const [keys, values] = await Promise.all([tx.store.getAllKeys(blockRange(id)), tx.store.getAll(blockRange(id))]);
    await tx.done;
    return new Map(keys.map(([, index], i) => [index, values[i] as Uint8Array]));
  }
}
