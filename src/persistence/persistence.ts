/** Everything the lab keeps, opened once: the database and one store per concern. */
import { openTabcloudDatabase, type OpenOptions } from "./database.ts";
import { FleetStore } from "./fleetStore.ts";
import { GoldenStateStore } from "./goldenStateStore.ts";
import { ImageCache } from "./imageCache.ts";
import { LabProgressStore } from "./labProgressStore.ts";
import { LaunchTemplateStore } from "./launchTemplateStore.ts";
import { NetworkStore } from "./networkStore.ts";
import { VolumeStore } from "./volumeStore.ts";

export interface Persistence {
  readonly images: ImageCache;
  readonly volumes: VolumeStore;
  readonly fleet: FleetStore;
  readonly labProgress: LabProgressStore;
  readonly network: NetworkStore;
  readonly goldenStates: GoldenStateStore;
  readonly launchTemplates: LaunchTemplateStore;
  close(): Promise<void>;
}

export async function openPersistence(options: OpenOptions & { readonly onClose?: () => Promise<void> } = {}): Promise<Persistence> {
  const db = await openTabcloudDatabase(options);
  return {
    images: new ImageCache(db),
    volumes: new VolumeStore(db),
    fleet: new FleetStore(db),
    labProgress: new LabProgressStore(db),
    network: new NetworkStore(db),
    goldenStates: new GoldenStateStore(db),
    launchTemplates: new LaunchTemplateStore(db),
    async close() {
      db.close();
      await options.onClose?.();
    },
  };
}
