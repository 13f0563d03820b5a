/**
 * The network's module over a real (fake-indexeddb) database, for its unit tests: opened, used,
 * and opened again on the same database as a reload does.
 */
import "fake-indexeddb/auto";
import { openPersistence, type Persistence } from "../../persistence/persistence.ts";
import { NetworkResources } from "../vpc/networkResources.ts";

export interface NetworkUnderTest {
  readonly network: NetworkResources;
  /** The records load could not read back, with why. */
  readonly unreadable: readonly { readonly id: string; readonly reason: string }[];
  /** How many changes were announced. */
  readonly changes: () => number;
  /** Closes this one and opens the same database again, as a reload does. */
  reload(): Promise<NetworkUnderTest>;
  close(): Promise<void>;
}

let opened = 0;

export async function openNetwork(name = `network-test-${++opened}-${Math.random()}`): Promise<NetworkUnderTest> {
  const persistence: Persistence = await openPersistence({ name });
  let changes = 0;
  const network = new NetworkResources({ store: persistence.network, changed: () => changes++ });
  const unreadable = await network.load();
  const close = async () => {
    await network.idle();
    await persistence.close();
  };
  return {
    network,
    unreadable,
    changes: () => changes,
    reload: async () => {
      await close();
      return openNetwork(name);
    },
    close,
  };
}
