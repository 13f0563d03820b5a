/**
 * memory-overhead in Chromium, the page's side: the scenario of memoryScenario.ts on a hypervisor
 * of its own, for the default image (a 64 MiB root disk) or one whose root disk is padded to a
 * larger size. At each measurement the page collects its garbage, asks the bench's Node side to
 * read Chromium's processes from /proc (a function Playwright exposes on the page), and measures
 * itself with performance.measureUserAgentSpecificMemory() where the page may (cross-origin
 * isolated).
 */
import { createBrowserHypervisor } from "../hypervisor/browser.ts";
import { measureUserAgentMemory } from "../shared/userAgentMemory.ts";
import { openPersistence } from "../persistence/persistence.ts";
import type { ImageCache } from "../persistence/imageCache.ts";
import { guestMemoryMib, importPaddedImage, runMemoryScenario, type MemoryPhase } from "./memoryScenario.ts";

const DATABASE = "tabcloud-bench-memory";
/** The served default image's folder, relative to the page. */
const DEFAULT_IMAGE_DIR = "images/tabcloud-linux/";
const DEFAULT_ROOT_DISK_MIB = 64;
/** Without ForceEagerMeasureMemory, Chromium may hold a measurement back until its next garbage collection. */
const USER_AGENT_MEASUREMENT_TIMEOUT_MS = 60_000;
const GC_PAUSE_MS = 1000;
/**
 * The largest value Chromium's IndexedDB keeps (Chromium 156 refuses more: "The serialized keys
 * and/or value are too large (size=1073741875 bytes, max=133169152 bytes)"), so a 1 GiB disk
 * cannot be imported into the lab today.
 */
const INDEXEDDB_MAX_VALUE_BYTES = 133_169_152;

export interface MemoryBenchOptions {
  readonly rootDiskMib: number;
  readonly instanceType: string;
  readonly instances: number;
  readonly settleMs: number;
  readonly runningMs: number;
}

/** The page's own measurement of one phase: null where the browser does not offer it or did not answer in time. */
interface PhaseMemory {
  readonly bytes: number | null;
  /** The same total split by the scope that holds it (Window, DedicatedWorkerGlobalScope, ...). */
  readonly bytesByScope: Record<string, number>;
  readonly measureMs: number;
}

export interface MemoryFigures {
  readonly crossOriginIsolated: boolean;
  /** Where the image cache kept the root disk: IndexedDB, or the page's memory when IndexedDB refuses a value that large. */
  readonly rootDiskKeptIn: "indexeddb" | "page-memory";
  readonly guestMemoryMib: number;
  /** What of its guest RAM each instance had written when the "settled" figures were taken, on average. */
  readonly guestMemoryInUseMib: number;
  readonly imageId: string;
  readonly userAgent: Record<MemoryPhase, PhaseMemory>;
}

declare global {
  interface Window {
    /** Exposed by bench/memoryOverhead.ts: reads Chromium's processes at this phase. */
    tabcloudMemoryCheckpoint?: (phase: MemoryPhase) => Promise<void>;
  }
}

async function userAgentMemory(): Promise<PhaseMemory> {
  const start = performance.now();
  const measured = await measureUserAgentMemory(USER_AGENT_MEASUREMENT_TIMEOUT_MS);
  return { bytes: measured?.bytes ?? null, bytesByScope: measured?.bytesByScope ?? {}, measureMs: performance.now() - start };
}

/**
 * Lets the image cache keep files larger than IndexedDB takes in the page's memory instead, for
 * this benchmark's padded disk: what it measures is what running instances add, and the image's
 * files are held in memory once either way (the repository's copy the workers share).
 */
function keepLargeFilesInMemory(cache: ImageCache): void {
  const large = new Map<string, ArrayBuffer>();
  const putImage = cache.putImage.bind(cache);
  const blob = cache.blob.bind(cache);
  const present = cache.present.bind(cache);
  cache.putImage = (image, blobs) => {
    for (const file of blobs) if (file.sizeBytes > INDEXEDDB_MAX_VALUE_BYTES) large.set(file.sha256, file.bytes);
    const small = blobs.filter((file) => !large.has(file.sha256));
    return putImage(image, small);
  };
  cache.blob = async (sha256) => large.get(sha256) ?? blob(sha256);
  cache.present = async (sha256s) => new Set([...(await present(sha256s)), ...sha256s.filter((sha256) => large.has(sha256))]);
}

/**
 * Collects the page's garbage where Chromium exposes gc (--js-flags=--expose-gc), so a
 * measurement holds no dead buffers (the padded disk, once imported); V8 releases dead buffers'
 * memory in the background, hence the pauses.
 */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 2; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, GC_PAUSE_MS));
  }
}

export async function memoryBench(options: MemoryBenchOptions): Promise<MemoryFigures> {
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(DATABASE);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  const persistence = await openPersistence({ name: DATABASE });
  keepLargeFilesInMemory(persistence.images);
  // As benchHypervisor, and no spare worker: the instances' own workers are what is measured, not one kept ahead of need.
  const hypervisor = await createBrowserHypervisor(document.baseURI, persistence, { fastLaunch: false, keepSpareWorker: false });
  try {
    const images = await hypervisor.describeImages();
    const defaultImage = images[0];
    if (!defaultImage) throw new Error("no image in the catalog");
    const served = { baseUrl: new URL(DEFAULT_IMAGE_DIR, document.baseURI).href, fetcher: (url: string) => fetch(url) };
    const imageId =
      options.rootDiskMib === DEFAULT_ROOT_DISK_MIB
        ? defaultImage.imageId
        : await importPaddedImage(hypervisor, served, options.rootDiskMib);
    const { instanceType, instances, settleMs, runningMs } = options;
    const scenario = { imageId, instanceType, instances, settleMs, runningMs };
    const { phases: userAgent, guestMemoryInUseMib } = await runMemoryScenario(hypervisor, scenario, async (phase) => {
      await collectGarbage();
      await window.tabcloudMemoryCheckpoint?.(phase);
      return userAgentMemory();
    });
    const rootDiskKeptIn = options.rootDiskMib * 1024 * 1024 > INDEXEDDB_MAX_VALUE_BYTES ? "page-memory" : "indexeddb";
    return {
      crossOriginIsolated,
      rootDiskKeptIn,
      guestMemoryMib: guestMemoryMib(options.instanceType),
      guestMemoryInUseMib,
      imageId,
      userAgent,
    };
  } finally {
    await hypervisor.shutdownAll();
  }
}
