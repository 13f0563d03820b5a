/** The hypervisor as the page runs it: Web Workers, images served beside the app, budgets from the device. */
import { ImageRepository } from "../images/imageRepository.ts";
import { BrowserWorkerHost } from "./browserWorkerHost.ts";
import { Hypervisor } from "./hypervisor.ts";
import { defaultMemoryBudgetMib } from "./memoryBudget.ts";
import { defaultCpuCores } from "./cpuAllocation.ts";

export function createBrowserHypervisor(baseUrl: string): Hypervisor {
  const catalogUrl = new URL("images/index.json", baseUrl).href;
  // deviceMemory is Chromium's (rounded, at most 8 GiB); elsewhere the default applies.
  const deviceMemoryGib = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  return new Hypervisor({
    workerHost: new BrowserWorkerHost(),
    images: new ImageRepository(catalogUrl, (url) => fetch(url)),
    memoryBudgetMib: defaultMemoryBudgetMib(deviceMemoryGib),
    cpuCores: defaultCpuCores(navigator.hardwareConcurrency || 1),
  });
}
