/** Progress through the labs, kept so that a reload (or a week away) continues where the person was. */
import { storageError, type StoredLabProgress, type TabcloudDatabase } from "./database.ts";

export class LabProgressStore {
  readonly #db: TabcloudDatabase;

  constructor(db: TabcloudDatabase) {
    this.#db = db;
  }

  async all(): Promise<StoredLabProgress[]> {
    return this.#db.getAll("labProgress");
  }

  async get(labId: string): Promise<StoredLabProgress | undefined> {
    return this.#db.get("labProgress", labId);
  }

  async put(progress: StoredLabProgress): Promise<void> {
    try {
      await this.#db.put("labProgress", progress);
    } catch (error) {
      throw storageError(error, `save your progress in the lab ${progress.labId}`);
    }
  }

  async delete(labId: string): Promise<void> {
    await this.#db.delete("labProgress", labId);
  }
}
