/** The hypervisor as the page runs it: Web Workers, images served beside the app, storage in IndexedDB, budgets from the device. */
import { ImageRepository } from "../../images/imageRepository.ts";
import { openPersistence } from "../../persistence/persistence.ts";
import { BrowserWorkerHost } from "./browserWorkerHost.ts";
import { Hypervisor } from "../hypervisor.ts";
import { defaultMemoryBudgetMib } from "../capacity/memoryBudget.ts";
import { defaultCpuCores } from "../capacity/cpuAllocation.ts";

export interface BrowserHypervisorOptions {
  /** The IndexedDB database (the benchmarks use their own, to leave the lab's alone). */
  readonly databaseName?: string;
  readonly onStorageLost?: () => void;
  /** See HypervisorOptions.dataVolumesInMemory (the volume-io benchmark). */
  readonly dataVolumesInMemory?: boolean;
}

/** Opens the lab's storage and brings back the fleet kept in it. */
export async function createBrowserHypervisor(baseUrl: string, options: BrowserHypervisorOptions = {}): Promise<Hypervisor> {
  const catalogUrl = new URL("images/index.json", baseUrl).href;
  const storage = await openPersistence({
    ...(options.databaseName ? { name: options.databaseName } : {}),
    ...(options.onStorageLost ? { onTerminated: options.onStorageLost } : {}),
  });
  // deviceMemory is Chromium's (rounded, at most 8 GiB); elsewhere the default applies.
  const deviceMemoryGib = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  const hypervisor = new Hypervisor({
    workerHost: new BrowserWorkerHost(),
    images: new ImageRepository(catalogUrl, (url, init) => fetch(url, init), storage.images),
    persistence: storage,
    memoryBudgetMib: defaultMemoryBudgetMib(deviceMemoryGib),
    cpuCores: defaultCpuCores(navigator.hardwareConcurrency || 1),
    ...(options.dataVolumesInMemory ? { dataVolumesInMemory: true } : {}),
  });
  await hypervisor.restore();
  return hypervisor;
}
