/**
 * memory-overhead: what a running instance costs the host beyond its guest RAM, for the default
 * image (a 64 MiB root disk) and one whose root disk is padded to 1 GiB. The image's files are
 * held once per page (shared with the workers where the page is cross-origin isolated), so the
 * figure should not grow with the disk.
 *
 * Each case launches one instance and terminates it (what the host pays once, as the image's
 * files, is then in the baseline), measures with none running ("idle"), launches the instances
 * together, waits for their status checks, measures ("booted") and measures again 30 s later
 * ("settled"), then terminates them and measures once more ("terminated"):
 * overheadMib = (settled - idle) / instances - the guest RAM in use, the pages each guest has
 * written (the host holds no others: an idle t3.nano's guest had written 7.6 of its 64 MiB).
 * overheadBeyondGuestRamMib subtracts the whole of guest RAM instead, as admission charges it.
 *
 * Chromium: the proportional set size (PSS) of all of Chromium's processes from /proc, the host's
 * view of everything the browser spends (the page's renderer, its workers, the browser and GPU
 * processes); beside it the renderers' share alone and the page's own
 * performance.measureUserAgentSpecificMemory(). That one is not the figure: it counts a
 * SharedArrayBuffer once for every worker holding it (the 1 GiB disk four times over) and, by its
 * totals, not the emulators' wasm memory. Chromium's IndexedDB refuses the 1 GiB disk (see
 * memoryBench.ts), so that case keeps it in the page's memory; the baseline holds it either way.
 * Node: the PSS of this process, whose emulators run in worker threads.
 */
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import type { Browser, Page } from "@playwright/test";
import { createNodeHypervisor, SERVED_IMAGES_DIR } from "../src/hypervisor/node.ts";
import type { MemoryFigures } from "../src/bench/memoryBench.ts";
import { guestMemoryMib, importPaddedImage, MEMORY_PHASES, runMemoryScenario, type MemoryPhase } from "../src/bench/memoryScenario.ts";
import { report, round } from "./stats.ts";

const INSTANCE_TYPE = "t3.nano";
const INSTANCES = 4;
/** The default image's root disk, and one padded to 1 GiB. */
const DEFAULT_ROOT_DISK_MIB = 64;
const ROOT_DISK_MIBS = [DEFAULT_ROOT_DISK_MIB, 1024] as const;
const SETTLE_MS = 10_000;
/** From the "booted" measurement to the "settled" one, on which the overhead is figured. */
const RUNNING_MS = 30_000;
const GC_PAUSE_MS = 1000;
const KIB = 1024;
const MIB = 1024 * 1024;

/**
 * Chromium flags this benchmark needs: measureUserAgentSpecificMemory() answers at once instead
 * of waiting for a garbage collection, and the page may collect its garbage before a measurement.
 */
export const MEMORY_BENCH_CHROMIUM_ARGS = ["--enable-blink-features=ForceEagerMeasureMemory", "--js-flags=--expose-gc"];

/**
 * The proportional set size of one process from /proc/<pid>/smaps_rollup (its resident pages,
 * those shared with other processes divided among them), or null when it has ended.
 */
function pssMib(pid: string): number | null {
  try {
    const kib = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1];
    return kib === undefined ? null : Number(kib) / KIB;
  } catch {
    return null;
  }
}

/** Every process descended from this one (Playwright starts Chromium as its child), by pid. */
function descendants(): string[] {
  const children = new Map<string, string[]>();
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const parent = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] as string;
      children.set(parent, [...(children.get(parent) ?? []), pid]);
    } catch {
      // The process ended while being read.
    }
  }
  const found: string[] = [];
  const pending = [String(process.pid)];
  while (pending.length > 0) {
    for (const child of children.get(pending.pop() as string) ?? []) {
      found.push(child);
      pending.push(child);
    }
  }
  return found;
}

interface ChromiumMemory {
  /** All of this benchmark's Chromium processes. */
  readonly pssMib: number;
  /** Its renderer processes alone (the page and its workers live in one). */
  readonly rendererPssMib: number;
}

function chromiumMemory(): ChromiumMemory {
  let total = 0;
  let renderers = 0;
  for (const pid of descendants()) {
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    // Leaves out vite preview and npx, which are this process's children too.
    if (!commandLine.includes("chromium")) continue;
    const mib = pssMib(pid) ?? 0;
    total += mib;
    if (commandLine.includes("--type=renderer")) renderers += mib;
  }
  return { pssMib: total, rendererPssMib: renderers };
}

/** Per instance beyond its guest's memory, from the growth between none running and all running. */
function overheadMib(idle: number, running: number, guestMib: number): number {
  return round((running - idle) / INSTANCES - guestMib);
}

/** One figure per phase, rounded. */
function byPhase(value: (phase: MemoryPhase) => number | null): Record<string, number | null> {
  return Object.fromEntries(
    MEMORY_PHASES.map((phase) => {
      const mib = value(phase);
      return [phase, mib === null ? null : round(mib)];
    }),
  );
}

export async function benchMemoryOverheadChromium(browser: Browser, benchPage: (browser: Browser) => Promise<Page>): Promise<void> {
  for (const rootDiskMib of ROOT_DISK_MIBS) {
    const page = await benchPage(browser);
    const host = new Map<MemoryPhase, ChromiumMemory>();
    await page.exposeFunction("tabcloudMemoryCheckpoint", (phase: MemoryPhase) => {
      host.set(phase, chromiumMemory());
    });
    const options = { rootDiskMib, instanceType: INSTANCE_TYPE, instances: INSTANCES, settleMs: SETTLE_MS, runningMs: RUNNING_MS };
    const figures: MemoryFigures = await page.evaluate((options) => window.tabcloudBench.memory(options), options);
    await page.close();
    const chromium = (phase: MemoryPhase) => {
      const memory = host.get(phase);
      if (!memory) throw new Error(`no measurement of Chromium at ${phase}`);
      return memory;
    };
    const userAgentMib = (phase: MemoryPhase) => {
      const bytes = figures.userAgent[phase].bytes;
      return bytes === null ? null : bytes / MIB;
    };
    const guestMib = figures.guestMemoryMib;
    const inUseMib = figures.guestMemoryInUseMib;
    const [uaIdle, uaSettled] = [userAgentMib("idle"), userAgentMib("settled")];
    report({
      bench: "memory-overhead",
      env: "chromium",
      rootDiskMib,
      overheadMib: overheadMib(chromium("idle").pssMib, chromium("settled").pssMib, inUseMib),
      instances: INSTANCES,
      instanceType: INSTANCE_TYPE,
      guestMemoryMib: guestMib,
      guestMemoryInUseMib: round(inUseMib),
      overheadBeyondGuestRamMib: overheadMib(chromium("idle").pssMib, chromium("settled").pssMib, guestMib),
      crossOriginIsolated: figures.crossOriginIsolated,
      rootDiskKeptIn: figures.rootDiskKeptIn,
      rendererOverheadMib: overheadMib(chromium("idle").rendererPssMib, chromium("settled").rendererPssMib, inUseMib),
      pssMib: byPhase((phase) => chromium(phase).pssMib),
      userAgentOverheadMib: uaIdle === null || uaSettled === null ? null : overheadMib(uaIdle, uaSettled, inUseMib),
      userAgentMib: byPhase(userAgentMib),
      userAgentSettledByScopeMib: Object.fromEntries(
        Object.entries(figures.userAgent.settled.bytesByScope).map(([scope, bytes]) => [scope, round(bytes / MIB)]),
      ),
      userAgentMeasureMs: round(Math.max(...Object.values(figures.userAgent).map((memory) => memory.measureMs))),
    });
  }
}

/** This process's PSS: under Node the emulators are worker threads of it. */
function nodeMemoryMib(): number {
  const mib = pssMib("self");
  if (mib === null) throw new Error("no /proc/self/smaps_rollup");
  return mib;
}

export async function benchMemoryOverheadNode(): Promise<void> {
  // The main thread's garbage (the padded disk once imported) is collected before each measurement.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (const rootDiskMib of ROOT_DISK_MIBS) {
    const hypervisor = await createNodeHypervisor({ memoryBudgetMib: 16_384, fastLaunch: false, keepSpareWorker: false });
    try {
      const [defaultImage] = await hypervisor.describeImages();
      if (!defaultImage) throw new Error("no image in the catalog");
      const served = {
        baseUrl: pathToFileURL(join(SERVED_IMAGES_DIR, "tabcloud-linux/")).href,
        fetcher: async (url: string) => new Response(await readFile(fileURLToPath(url))),
      };
      const imageId =
        rootDiskMib === DEFAULT_ROOT_DISK_MIB ? defaultImage.imageId : await importPaddedImage(hypervisor, served, rootDiskMib);
      const scenario = { imageId, instanceType: INSTANCE_TYPE, instances: INSTANCES, settleMs: SETTLE_MS, runningMs: RUNNING_MS };
      const { phases: memory, guestMemoryInUseMib: inUseMib } = await runMemoryScenario(hypervisor, scenario, async () => {
        // V8 releases dead buffers' memory in the background, hence the pauses.
        for (let i = 0; i < 2; i++) {
          gc();
          await new Promise((resolve) => setTimeout(resolve, GC_PAUSE_MS));
        }
        return nodeMemoryMib();
      });
      const guestMib = guestMemoryMib(INSTANCE_TYPE);
      report({
        bench: "memory-overhead",
        env: "node",
        rootDiskMib,
        overheadMib: overheadMib(memory.idle, memory.settled, inUseMib),
        instances: INSTANCES,
        instanceType: INSTANCE_TYPE,
        guestMemoryMib: guestMib,
        guestMemoryInUseMib: round(inUseMib),
        overheadBeyondGuestRamMib: overheadMib(memory.idle, memory.settled, guestMib),
        pssMib: byPhase((phase) => memory[phase]),
      });
    } finally {
      await hypervisor.shutdownAll();
    }
  }
}
