/**
 * Launch templates, one record each (the template with all its versions) keyed by its id: a new
 * version or a new default rewrites the one record, so a template is never half changed.
 */
import { storageError, type StoredLaunchTemplate, type TabcloudDatabase } from "./database.ts";

export class LaunchTemplateStore {
  readonly #db: TabcloudDatabase;

  constructor(db: TabcloudDatabase) {
    this.#db = db;
  }

  async templates(): Promise<StoredLaunchTemplate[]> {
    return this.#db.getAll("launchTemplates");
  }

  async put(record: StoredLaunchTemplate): Promise<void> {
    try {
      await this.#db.put("launchTemplates", record);
    } catch (error) {
      throw storageError(error, `save the launch template ${record.launchTemplateId}`);
    }
  }

  async delete(launchTemplateId: string): Promise<void> {
    try {
      await this.#db.delete("launchTemplates", launchTemplateId);
    } catch (error) {
      throw storageError(error, `delete the launch template ${launchTemplateId}`);
    }
  }
}
