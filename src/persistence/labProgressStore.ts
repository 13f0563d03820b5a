/**
 * Progress through the labs, kept so that a reload (or a week away) continues where the person
 * was, and the lab files the person imported.
 */
import { storageError, type StoredLabProgress, type TabcloudDatabase } from "./database.ts";

export interface ImportedLabFile {
  readonly labId: string;
  readonly fileName: string;
  readonly text: string;
}

const IMPORTED_LABS_KEY = "imported-labs";

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

  /** Lab files the person imported, as given (they are validated again each time they are read). */
  async importedLabs(): Promise<ImportedLabFile[]> {
    return ((await this.#db.get("settings", IMPORTED_LABS_KEY)) as ImportedLabFile[] | undefined) ?? [];
  }

  /**
   * Keeps an imported lab file, replacing an earlier one of the same lab in its place (the files
   * are read back in order, and a lab imported later may need this one as a prerequisite).
   */
  async putImportedLab(file: ImportedLabFile): Promise<void> {
    try {
      await this.#updateImportedLabs((files) =>
        files.some((other) => other.labId === file.labId)
          ? files.map((other) => (other.labId === file.labId ? file : other))
          : [...files, file],
      );
    } catch (error) {
      throw storageError(error, `keep the imported lab ${file.fileName}`);
    }
  }

  /** Forgets an imported lab file. */
  async deleteImportedLab(labId: string): Promise<void> {
    try {
      await this.#updateImportedLabs((files) => files.filter((other) => other.labId !== labId));
    } catch (error) {
      throw storageError(error, `remove the imported lab ${labId}`);
    }
  }

  async #updateImportedLabs(change: (files: readonly ImportedLabFile[]) => ImportedLabFile[]): Promise<void> {
    const tx = this.#db.transaction("settings", "readwrite");
    const files = ((await tx.store.get(IMPORTED_LABS_KEY)) as ImportedLabFile[] | undefined) ?? [];
    await tx.store.put(change(files), IMPORTED_LABS_KEY);
    await tx.done;
  }
}
