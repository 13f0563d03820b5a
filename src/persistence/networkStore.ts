/**
 * The network's resources (VPCs, subnets, gateways, route tables, security groups, network
 * interfaces), one record each keyed by its id. A change to several is stored in one
 * transaction: all of it or none.
 */
import { storageError, type StoredNetworkResource, type TabcloudDatabase } from "./database.ts";

export class NetworkStore {
  readonly #db: TabcloudDatabase;

  constructor(db: TabcloudDatabase) {
    this.#db = db;
  }

  async resources(): Promise<StoredNetworkResource[]> {
    return this.#db.getAll("network");
  }

  /** Puts and deletes records, all or none. */
  async change(puts: readonly StoredNetworkResource[], deletes: readonly string[]): Promise<void> {
    try {
      const tx = this.#db.transaction("network", "readwrite");
      await Promise.all([...puts.map((record) => tx.store.put(record)), ...deletes.map((id) => tx.store.delete(id)), tx.done]);
    } catch (error) {
      throw storageError(error, "save the network's resources");
    }
  }
}
