/** A hypervisor for Node (integration tests, benchmarks): worker_threads, images read from disk. */
import { readFile } from "node:fs/promises";
import { availableParallelism, totalmem } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ImageRepository } from "../images/imageRepository.ts";
import type { ImageFetcher } from "../images/imageLoader.ts";
import { Hypervisor, type HypervisorOptions } from "./hypervisor.ts";
import { defaultMemoryBudgetMib } from "./memoryBudget.ts";
import { defaultCpuCores } from "./cpuAllocation.ts";
import { NodeWorkerHost } from "./nodeWorkerHost.ts";

/** Reads file: URLs from disk, answering as fetch would. */
export const fileFetcher: ImageFetcher = async (url) => {
  try {
    return new Response(await readFile(fileURLToPath(url)));
  } catch {
    return new Response(null, { status: 404, statusText: "Not Found" });
  }
};

export const SERVED_IMAGES_DIR = fileURLToPath(new URL("../../public/images/", import.meta.url));

export function createNodeHypervisor(
  options: { imagesDir?: string; fetcher?: ImageFetcher } & Partial<Omit<HypervisorOptions, "images">> = {},
): Hypervisor {
  const catalogUrl = pathToFileURL(`${options.imagesDir ?? SERVED_IMAGES_DIR}/index.json`).href;
  return new Hypervisor({
    ...options,
    memoryBudgetMib: options.memoryBudgetMib ?? defaultMemoryBudgetMib(totalmem() / 1024 ** 3),
    cpuCores: options.cpuCores ?? defaultCpuCores(availableParallelism()),
    workerHost: options.workerHost ?? new NodeWorkerHost(),
    images: new ImageRepository(catalogUrl, options.fetcher ?? fileFetcher),
  });
}
