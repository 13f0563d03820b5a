/**
 * The fleet as it must come back after a reload: each instance's record, hibernation states
 * and the lab's settings.
 */
import { storageError, type StoredHibernation, type StoredInstance, type TabcloudDatabase } from "./database.ts";

export class FleetStore {
  readonly #db: TabcloudDatabase;

  constructor(db: TabcloudDatabase) {
    this.#db = db;
  }

  async instances(): Promise<StoredInstance[]> {
    return this.#db.getAll("instances");
  }

  /** Stores these records in one transaction. */
  async putInstances(stored: readonly StoredInstance[]): Promise<void> {
    if (stored.length === 0) return;
    try {
      const tx = this.#db.transaction("instances", "readwrite");
      await Promise.all([...stored.map((record) => tx.store.put(record)), tx.done]);
    } catch (error) {
      throw storageError(
        error,
        `save ${stored.length === 1 ? `the instance ${stored[0]?.instance.instanceId}` : `${stored.length} instances`}`,
      );
    }
  }

  async deleteInstance(instanceId: string): Promise<void> {
    const tx = this.#db.transaction(["instances", "hibernations"], "readwrite");
    await Promise.all([tx.objectStore("instances").delete(instanceId), tx.objectStore("hibernations").delete(instanceId), tx.done]);
  }

  async hibernation(instanceId: string): Promise<StoredHibernation | undefined> {
    const kept = await this.#db.get("hibernations", instanceId);
    // Kept before the devices were recorded: the state alone.
    return kept instanceof ArrayBuffer ? { state: kept, devices: null } : kept;
  }

  async putHibernation(instanceId: string, saved: StoredHibernation): Promise<void> {
    try {
      await this.#db.put("hibernations", saved, instanceId);
    } catch (error) {
      throw storageError(error, `save the hibernated instance ${instanceId}`);
    }
  }

  async deleteHibernation(instanceId: string): Promise<void> {
    await this.#db.delete("hibernations", instanceId);
  }

  async setting<T>(key: string): Promise<T | undefined> {
    return (await this.#db.get("settings", key)) as T | undefined;
  }

  async putSetting(key: string, value: unknown): Promise<void> {
    await this.#db.put("settings", value, key);
  }
}
