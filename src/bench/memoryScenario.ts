/**
 * memory-overhead's scenario, the same in Chromium's page and under Node: instances of one image
 * launched together on a hypervisor of the benchmark's own, with the host's memory measured
 * (by the caller) with none running, with all of them booted, again a while later, and after
 * they are terminated.
 * No DOM here, so Node runs it as it is.
 */
import { findInstanceType, type Hypervisor } from "../hypervisor/index.ts";
import { fetchImageFile, type ImageFetcher } from "../images/imageLoader.ts";
import { parseManifest, type ImageFile } from "../images/manifest.ts";
import { unwrap } from "../shared/errors.ts";

export type MemoryPhase = "idle" | "booted" | "settled" | "terminated";

export const MEMORY_PHASES: readonly MemoryPhase[] = ["idle", "booted", "settled", "terminated"];

/** Where the served default image is: its folder's URL (manifest.json and the files beside it) and how to read it. */
export interface ServedImage {
  readonly baseUrl: string;
  readonly fetcher: ImageFetcher;
}

export interface MemoryScenario {
  readonly imageId: string;
  readonly instanceType: string;
  readonly instances: number;
  /** Quiet time before each measurement: boots finish their last work, terminated workers are gone. */
  readonly settleMs: number;
  /** From "booted" to "settled": idle guests keep running, their emulators' compiled code may grow. */
  readonly runningMs: number;
}

const BOOT_DEADLINE_MS = 180_000;
const MIB = 1024 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The guest RAM of the scenario's instance type. */
export function guestMemoryMib(instanceType: string): number {
  const type = findInstanceType(instanceType);
  if (!type) throw new Error(`no instance type ${instanceType}`);
  return type.memoryMib;
}

/**
 * Registers an image whose kernel is the default image's and whose root disk is the default
 * image's root file system padded with zeros to `sizeMib` (ext4 boots from a larger disk as it
 * is), and returns its id.
 */
export async function importPaddedImage(hypervisor: Hypervisor, served: ServedImage, sizeMib: number): Promise<string> {
  const manifestUrl = new URL("manifest.json", served.baseUrl).href;
  const manifest = unwrap(parseManifest(await (await served.fetcher(manifestUrl)).json(), manifestUrl));
  // Downloaded and checked as a launch downloads them, gunzipped whether or not the server already did.
  const bytes = async (file: ImageFile) =>
    new Uint8Array(unwrap(await fetchImageFile(served.baseUrl, file, served.fetcher, () => undefined)));
  const kernel = await bytes(manifest.files.kernel);
  const rootFileSystem = await bytes(manifest.files.rootVolume);
  if (rootFileSystem.byteLength > sizeMib * MIB) throw new Error(`the root file system is larger than ${sizeMib} MiB`);
  const rootDisk = new Uint8Array(sizeMib * MIB);
  rootDisk.set(rootFileSystem);
  const image = await hypervisor.importImage({ name: `${manifest.name}-padded-${sizeMib}mib`, kernel, rootDisk });
  return image.imageId;
}

/** Launches `count` instances in one request and resolves with their ids once every one passes its instance status check. */
async function launchBooted(hypervisor: Hypervisor, scenario: MemoryScenario, count: number): Promise<string[]> {
  const launched = await hypervisor.runInstances({ imageId: scenario.imageId, instanceType: scenario.instanceType, count });
  const ids = launched.map((instance) => instance.instanceId);
  const deadline = Date.now() + BOOT_DEADLINE_MS;
  for (;;) {
    const instances = hypervisor.describeInstances({ instanceIds: ids });
    if (instances.every((instance) => instance.statusChecks.instance === "ok")) return ids;
    if (Date.now() > deadline) {
      const states = instances.map((instance) => `${instance.instanceId} ${instance.state.name} ${instance.statusChecks.instance}`);
      throw new Error(`not all instances booted in ${BOOT_DEADLINE_MS} ms: ${states.join(", ")}`);
    }
    await sleep(200);
  }
}

async function terminate(hypervisor: Hypervisor, ids: readonly string[]): Promise<void> {
  await hypervisor.terminateInstances(ids);
  while (hypervisor.describeInstances({ instanceIds: ids }).some((instance) => instance.state.name !== "terminated")) await sleep(200);
}

/**
 * One instance is launched, booted and terminated first, so that the "idle" measurement already
 * holds everything a host pays once rather than per instance: the image's files in memory, the
 * emulator's compiled module, the hypervisor's own state.
 */
export async function runMemoryScenario<T>(
  hypervisor: Hypervisor,
  scenario: MemoryScenario,
  measure: (phase: MemoryPhase) => Promise<T>,
): Promise<{ readonly phases: Record<MemoryPhase, T>; readonly guestMemoryInUseMib: number }> {
  await terminate(hypervisor, await launchBooted(hypervisor, scenario, 1));
  await sleep(scenario.settleMs);
  const idle = await measure("idle");
  const ids = await launchBooted(hypervisor, scenario, scenario.instances);
  await sleep(scenario.settleMs);
  const booted = await measure("booted");
  await sleep(scenario.runningMs);
  const settled = await measure("settled");
  const guestMemoryInUseMib = await meanGuestMemoryInUseMib(hypervisor, ids);
  await terminate(hypervisor, ids);
  await sleep(scenario.settleMs);
  const terminated = await measure("terminated");
  return { phases: { idle, booted, settled, terminated }, guestMemoryInUseMib };
}

/**
 * What of their guest RAM the instances have written, on average: the host holds those pages
 * and not the others, so an instance's cost beyond its guest is figured against these.
 */
async function meanGuestMemoryInUseMib(hypervisor: Hypervisor, ids: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const id of ids) {
    const inUse = (await hypervisor.getInstanceStats(id, { guestMemory: true })).guestMemoryInUseBytes;
    if (inUse === undefined) throw new Error(`no guest memory figure for ${id}`);
    bytes += inUse;
  }
  return bytes / ids.length / MIB;
}
