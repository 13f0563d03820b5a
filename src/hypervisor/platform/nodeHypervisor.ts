/**
 * A hypervisor for Node (integration tests, benchmarks): worker_threads, images read from disk,
 * and storage in fake-indexeddb's in-memory IndexedDB (one database per name, for the process's
 * lifetime: a second hypervisor on the same name finds the first one's fleet, as a reload does).
 */
import "fake-indexeddb/auto";
import { indexedDB } from "fake-indexeddb";
import { readFile } from "node:fs/promises";
import { availableParallelism, totalmem } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AptMirror } from "../../images/aptMirror.ts";
import { ImageRepository } from "../../images/imageRepository.ts";
import type { ImageFetcher } from "../../images/imageLoader.ts";
import { openPersistence } from "../../persistence/persistence.ts";
import { Hypervisor, type HypervisorOptions } from "../hypervisor.ts";
import { defaultMemoryBudgetMib } from "../capacity/memoryBudget.ts";
import { defaultCpuCores } from "../capacity/cpuAllocation.ts";
import { NodeWorkerHost } from "./nodeWorkerHost.ts";
import { newResourceId } from "../resourceIds.ts";

/** Reads file: URLs from disk, answering as fetch would. */
export const fileFetcher: ImageFetcher = async (url) => {
  try {
    return new Response(await readFile(fileURLToPath(url)));
  } catch {
    return new Response(null, { status: 404, statusText: "Not Found" });
  }
};

export const SERVED_IMAGES_DIR = fileURLToPath(new URL("../../../public/images/", import.meta.url));

export interface NodeHypervisorOptions extends Partial<Omit<HypervisorOptions, "images" | "persistence">> {
  readonly imagesDir?: string;
  readonly fetcher?: ImageFetcher;
  /**
   * The database to keep the fleet in. Give the same name to a later hypervisor to see the
   * fleet come back; without one, a fresh database is used and deleted at shutdownAll.
   */
  readonly databaseName?: string;
}

export async function createNodeHypervisor(options: NodeHypervisorOptions = {}): Promise<Hypervisor> {
  const catalogUrl = pathToFileURL(`${options.imagesDir ?? SERVED_IMAGES_DIR}/index.json`).href;
  const name = options.databaseName ?? `tabcloud-${newResourceId("i")}`;
  const storage = await openPersistence({
    name,
    ...(options.databaseName
      ? {}
      : {
          onClose: () =>
            new Promise<void>((resolve) => {
              const request = indexedDB.deleteDatabase(name);
              request.onsuccess = request.onerror = request.onblocked = () => resolve();
            }),
        }),
  });
  const hypervisor = new Hypervisor({
    ...options,
    memoryBudgetMib: options.memoryBudgetMib ?? defaultMemoryBudgetMib(totalmem() / 1024 ** 3),
    cpuCores: options.cpuCores ?? defaultCpuCores(availableParallelism()),
    workerHost: options.workerHost ?? new NodeWorkerHost(),
    images: new ImageRepository(catalogUrl, options.fetcher ?? fileFetcher, storage.images),
    // The offline apt archive is served beside the images (public/apt/debian).
    aptMirror: new AptMirror(new URL("../apt/debian/repository.json", catalogUrl).href, options.fetcher ?? fileFetcher, storage.images),
    persistence: storage,
  });
  await hypervisor.restore();
  return hypervisor;
}
