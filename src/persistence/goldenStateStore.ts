/** Golden states: a record per state for listing, its bytes kept apart and read only to restore. */
import { storageError, type StoredGoldenState, type TabcloudDatabase } from "./database.ts";

export class GoldenStateStore {
  readonly #db: TabcloudDatabase;

  constructor(db: TabcloudDatabase) {
    this.#db = db;
  }

  async records(): Promise<StoredGoldenState[]> {
    return this.#db.getAll("goldenStates");
  }

  async record(key: string): Promise<StoredGoldenState | undefined> {
    return this.#db.get("goldenStates", key);
  }

  async bytes(key: string): Promise<ArrayBuffer | undefined> {
    return this.#db.get("goldenStateBytes", key);
  }

  async put(record: StoredGoldenState, bytes: ArrayBuffer): Promise<void> {
    try {
      const tx = this.#db.transaction(["goldenStates", "goldenStateBytes"], "readwrite");
      await Promise.all([tx.objectStore("goldenStates").put(record), tx.objectStore("goldenStateBytes").put(bytes, record.key), tx.done]);
    } catch (error) {
      throw storageError(error, `keep the boot snapshot of ${record.imageId}`);
    }
  }

  async delete(key: string): Promise<void> {
    const tx = this.#db.transaction(["goldenStates", "goldenStateBytes"], "readwrite");
    await Promise.all([tx.objectStore("goldenStates").delete(key), tx.objectStore("goldenStateBytes").delete(key), tx.done]);
  }
}
