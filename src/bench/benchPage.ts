/**
 * Benchmarks that need a browser, run by bench/run.ts in Chromium: the same guest workload in a
 * worker (through the hypervisor, as the app runs it) and on the page's main thread.
 */
import wasmUrl from "v86/build/v86.wasm?url";
import { instanceKernelCommandLine, DEFAULT_TERMINAL_SIZE, newInstanceId } from "../hypervisor/index.ts";
import { ImageRepository } from "../images/imageRepository.ts";
import { unwrap } from "../shared/errors.ts";
import type { InstanceChannelMessage } from "../worker/api.ts";
import { InstanceWorker } from "../worker/instanceWorker.ts";
import { PromptWatcher } from "./promptWatcher.ts";
import { timeBootPhases, type BootPhases } from "./bootPhases.ts";
import { openPersistence } from "../persistence/persistence.ts";
import { storageBench } from "./storageBench.ts";
import { benchHypervisor } from "./benchHypervisor.ts";
import { netBench } from "./netBench.ts";
import { launchBench } from "./launchBench.ts";
import { memoryBench } from "./memoryBench.ts";

/** The benchmarks keep their instances and images apart from the lab's own. */
const BENCH_DATABASE = "tabcloud-bench";

/** A hypervisor on an emptied bench database: no fleet from an earlier page comes back. */
async function freshHypervisor() {
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(BENCH_DATABASE);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  return benchHypervisor(BENCH_DATABASE);
}

/** A shell loop: pure guest CPU work, a few seconds long. */
const WORKLOAD = "i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done";

export interface RunFigures {
  bootToPromptMs: number;
  instructions: number;
  workloadMs: number;
  workloadInstructions: number;
}

export interface WorkerRunFigures extends RunFigures {
  /** The cold boot's time split by the guest's clock (bootToPromptMs is its total). */
  readonly phases: BootPhases;
  /** The launch before it, which brought the image into the browser. */
  readonly firstLaunchToPromptMs: number;
}

async function inWorker(): Promise<WorkerRunFigures> {
  const hypervisor = await freshHypervisor();
  await hypervisor.describeImages();
  // The first launch brings the image into the browser (download, check, IndexedDB); the boot
  // measured is the next, a cold boot of an image already here, as a start after a stop, a
  // reboot, or a launch without fast launch are (and as the page's own boot below starts).
  const first = await timeBootPhases(hypervisor);
  await hypervisor.terminateInstances([first.instanceId]);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const { instanceId: id, ...phases } = await timeBootPhases(hypervisor);
  const before = await hypervisor.getInstanceStats(id);
  const workStart = performance.now();
  await hypervisor.runCommand(id, WORKLOAD, { timeoutMs: 120_000 });
  const workloadMs = performance.now() - workStart;
  const after = await hypervisor.getInstanceStats(id);
  await hypervisor.terminateInstances([id]);
  return {
    bootToPromptMs: phases.totalMs,
    instructions: phases.instructions,
    workloadMs,
    workloadInstructions: after.instructions - before.instructions,
    phases,
    firstLaunchToPromptMs: first.totalMs,
  };
}

/**
 * The same instance worker on the page's main thread. `ownLoop`: driven by tabcloud's main loop,
 * as in a worker; otherwise by v86's own, as any page embedding v86 runs it.
 */
async function onPage(ownLoop: boolean): Promise<RunFigures> {
  const storage = await openPersistence({ name: BENCH_DATABASE });
  const images = new ImageRepository(new URL("images/index.json", document.baseURI).href, (url) => fetch(url), storage.images);
  const [image] = unwrap(await images.describeImages());
  if (!image) throw new Error("no image");
  const { files } = unwrap(await images.load(image.imageId));
  const instanceId = newInstanceId();
  const emulator = new InstanceWorker({
    loadWasm: async () => WebAssembly.compile(await (await fetch(wasmUrl)).arrayBuffer()),
    sameThreadYield: ownLoop,
  });
  const watcher = new PromptWatcher();
  let agentReady!: () => void;
  const ready = new Promise<void>((resolve) => (agentReady = resolve));
  const channel = new MessageChannel();
  channel.port1.onmessage = (event: MessageEvent<InstanceChannelMessage>) => {
    if (event.data.type === "console") watcher.push(event.data.data);
    if (event.data.type === "agent-ready") agentReady();
  };
  const start = performance.now();
  unwrap(
    await emulator.boot({
      instanceId,
      memoryMib: 128,
      kernelCommandLine: instanceKernelCommandLine(image.kernelCommandLine, instanceId, DEFAULT_TERMINAL_SIZE),
      bios: files.bios,
      kernel: files.kernel,
      rootVolume: { base: files.rootVolume, sizeBytes: files.rootVolume.byteLength, writtenBlocks: new Map() },
      channel: channel.port2,
    }),
  );
  await watcher.until();
  const bootToPromptMs = performance.now() - start;
  const { instructions } = await emulator.stats();
  await ready;
  const before = await emulator.stats();
  const workStart = performance.now();
  unwrap(await emulator.exec(WORKLOAD, 120_000));
  const workloadMs = performance.now() - workStart;
  const after = await emulator.stats();
  await emulator.destroy();
  await storage.close();
  return { bootToPromptMs, instructions, workloadMs, workloadInstructions: after.instructions - before.instructions };
}

/** Console echo through the hypervisor and the worker, without a terminal drawing it. */
async function consoleEcho(samples: number): Promise<number[]> {
  const hypervisor = await freshHypervisor();
  const watcher = new PromptWatcher();
  const [instance] = await hypervisor.runInstances();
  if (!instance) throw new Error("no instance");
  const id = instance.instanceId;
  let t0 = 0;
  const results: number[] = [];
  hypervisor.onConsoleOutput(id, (bytes) => {
    watcher.push(bytes);
    if (t0 !== 0) results.push(performance.now() - t0);
    t0 = 0;
  });
  await watcher.until();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (let i = 0; i < samples; i++) {
    t0 = performance.now();
    await hypervisor.sendConsoleInput(id, i % 2 === 0 ? "x" : "\x7f");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await hypervisor.terminateInstances([id]);
  return results;
}

/** Total guest speed of four busy instances at once against one alone, in one page. */
async function aggregate(
  count: number,
  windowMs: number,
  cpuCores?: number,
): Promise<{ oneMips: number; manyMips: number; ratio: number }> {
  const hypervisor = await freshHypervisor();
  if (cpuCores !== undefined) await hypervisor.setHostCapacity({ cpuCores });
  const busy = "sh -c 'while :; do :; done' > /dev/null 2>&1 &";
  const ids: string[] = [];
  const launch = async () => {
    const [instance] = await hypervisor.runInstances();
    if (!instance) throw new Error("no instance");
    const id = instance.instanceId;
    while (hypervisor.describeInstances({ instanceIds: [id] })[0]?.statusChecks.instance !== "ok")
      await new Promise((r) => setTimeout(r, 100));
    await hypervisor.runCommand(id, busy);
    ids.push(id);
  };
  const measure = async () => {
    const before = await Promise.all(ids.map((id) => hypervisor.getInstanceStats(id)));
    const start = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const after = await Promise.all(ids.map((id) => hypervisor.getInstanceStats(id)));
    const seconds = (performance.now() - start) / 1000;
    return ids.reduce((sum, _, i) => sum + ((after[i]?.instructions ?? 0) - (before[i]?.instructions ?? 0)), 0) / seconds / 1e6;
  };
  // Long enough for the emulator's own compiler and the browser's wasm tiers to warm up, for the
  // one and for the others alike: what is compared is their running, not their compiling.
  const warmUp = () => new Promise((r) => setTimeout(r, 6000));
  await launch();
  await warmUp();
  const oneMips = await measure();
  for (let i = 1; i < count; i++) await launch();
  await warmUp();
  const manyMips = await measure();
  // One alone again, before and after averaged: the machine's own drift over the run cancels.
  const others = ids.splice(1);
  await hypervisor.terminateInstances(others);
  await new Promise((r) => setTimeout(r, 3000));
  const oneAgainMips = await measure();
  await hypervisor.shutdownAll();
  const aloneMips = (oneMips + oneAgainMips) / 2;
  return { oneMips: aloneMips, manyMips, ratio: manyMips / aloneMips };
}

declare global {
  interface Window {
    tabcloudBench: {
      inWorker(): Promise<WorkerRunFigures>;
      onPage(ownLoop: boolean): Promise<RunFigures>;
      consoleEcho(samples: number): Promise<number[]>;
      aggregate(count: number, windowMs: number, cpuCores?: number): Promise<{ oneMips: number; manyMips: number; ratio: number }>;
      storage: typeof storageBench;
      net: typeof netBench;
      launch: typeof launchBench;
      memory: typeof memoryBench;
    };
  }
}

window.tabcloudBench = {
  inWorker,
  onPage,
  consoleEcho,
  aggregate,
  storage: storageBench,
  net: netBench,
  launch: launchBench,
  memory: memoryBench,
};
