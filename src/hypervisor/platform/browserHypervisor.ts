/** The hypervisor as the page runs it: Web Workers, images served beside the app, storage in IndexedDB, budgets from the device. */
import { AptMirror } from "../../images/aptMirror.ts";
import { ImageRepository } from "../../images/imageRepository.ts";
import type { Persistence } from "../../persistence/persistence.ts";
import { BrowserWorkerHost } from "./browserWorkerHost.ts";
import { Hypervisor } from "../hypervisor.ts";
import { defaultMemoryBudgetMib } from "../capacity/memoryBudget.ts";
import { defaultCpuCores } from "../capacity/cpuAllocation.ts";

export interface BrowserHypervisorOptions {
  /** See HypervisorOptions.dataVolumesInMemory (the volume-io benchmark). */
  readonly dataVolumesInMemory?: boolean;
  /** See HypervisorOptions.fastLaunch (off for benchmarks of cold boots and CPU). */
  readonly fastLaunch?: boolean;
  /** See HypervisorOptions.keepSpareWorker. */
  readonly keepSpareWorker?: boolean;
}

/**
 * Brings back the fleet kept in the browser's storage, opened by the caller: the page opens it
 * once and shares it with the labs' progress; the benchmarks open their own databases.
 */
export async function createBrowserHypervisor(
  baseUrl: string,
  persistence: Persistence,
  options: BrowserHypervisorOptions = {},
): Promise<Hypervisor> {
  const catalogUrl = new URL("images/index.json", baseUrl).href;
  // deviceMemory is Chromium's (rounded, at most 8 GiB); elsewhere the default applies.
  const deviceMemoryGib = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  const hypervisor = new Hypervisor({
    workerHost: new BrowserWorkerHost(),
    images: new ImageRepository(catalogUrl, (url, init) => fetch(url, init), persistence.images),
    aptMirror: new AptMirror(new URL("apt/debian/repository.json", baseUrl).href, (url, init) => fetch(url, init), persistence.images),
    persistence,
    memoryBudgetMib: defaultMemoryBudgetMib(deviceMemoryGib),
    cpuCores: defaultCpuCores(navigator.hardwareConcurrency || 1),
    ...(options.dataVolumesInMemory ? { dataVolumesInMemory: true } : {}),
    ...(options.fastLaunch === false ? { fastLaunch: false } : {}),
    ...(options.keepSpareWorker === false ? { keepSpareWorker: false } : {}),
  });
  await hypervisor.restore();
  return hypervisor;
}
