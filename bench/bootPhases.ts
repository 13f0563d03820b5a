/**
 * Where a cold boot's time goes, under Node through the hypervisor and a worker thread:
 * - firmware: from the launch to the guest kernel's clock starting (creating the emulator, loading
 *   and checking the image, SeaBIOS, unpacking the kernel);
 * - kernel: from there to the kernel starting /sbin/init;
 * - init: from there to the shell's prompt.
 * The guest's uptime, read right after the prompt, says when its clock started on the host's. The
 * console says when init starts, so the image is booted with the kernel's messages on (its
 * command line without `quiet`); `quietBootToPromptMs` is the same image as served, for what
 * printing them costs.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVED_IMAGES_DIR, createNodeHypervisor } from "../src/hypervisor/node.ts";
import { imageIdFor, type ImageManifest } from "../src/images/manifest.ts";
import type { Hypervisor } from "../src/hypervisor/index.ts";
import { PromptWatcher } from "../src/bench/promptWatcher.ts";
import { bootToPrompt } from "./node.ts";
import { median, report, round } from "./stats.ts";

const INIT_STARTS = "Run /sbin/init as init process";

interface Phases {
  readonly firmwareMs: number;
  readonly kernelMs: number;
  readonly initMs: number;
  readonly totalMs: number;
  readonly instructions: number;
}

/** The served images, with the default image's kernel speaking at boot (an image id names its command line). */
async function verboseImages(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "tabcloud-boot-phases-"));
  cpSync(SERVED_IMAGES_DIR, dir, { recursive: true });
  const manifestPath = join(dir, "tabcloud-linux", "manifest.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as ImageManifest;
  const verbose = manifest.kernelCommandLine.replace(/\s*\bquiet\b/, "").replace(/\bloglevel=\d\b/, "loglevel=7");
  if (verbose === manifest.kernelCommandLine) throw new Error(`the image's command line has no quiet to drop: ${verbose}`);
  const imageId = await imageIdFor(manifest.files, verbose, manifest.rootDeviceType);
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, imageId, kernelCommandLine: verbose }, null, 2));
  const indexPath = join(dir, "index.json");
  writeFileSync(indexPath, readFileSync(indexPath, "utf8").replaceAll(manifest.imageId, imageId));
  return dir;
}

/** Host time (performance.now) at which the guest's clock read 0, from one uptime read. */
async function guestClockStart(hypervisor: Hypervisor, id: string): Promise<number> {
  const asked = performance.now();
  const result = await hypervisor.runCommand(id, "cat /proc/uptime", { timeoutMs: 10_000 });
  const answered = performance.now();
  const uptimeS = Number(result.stdout.split(" ")[0]);
  if (result.exitCode !== 0 || !Number.isFinite(uptimeS)) throw new Error(`no uptime: ${result.stdout}${result.stderr}`);
  return (asked + answered) / 2 - uptimeS * 1000;
}

async function bootPhases(imagesDir: string): Promise<Phases> {
  const hypervisor = await createNodeHypervisor({ imagesDir });
  try {
    await hypervisor.describeImages();
    const prompt = new PromptWatcher();
    let consoleText = "";
    let initAt: number | null = null;
    const start = performance.now();
    const [instance] = await hypervisor.runInstances();
    if (!instance) throw new Error("no instance launched");
    const id = instance.instanceId;
    hypervisor.onConsoleOutput(id, (bytes) => {
      prompt.push(bytes);
      if (initAt !== null) return;
      consoleText += new TextDecoder().decode(bytes);
      if (consoleText.includes(INIT_STARTS)) initAt = performance.now();
    });
    await prompt.until();
    const promptAt = performance.now();
    const { instructions } = await hypervisor.getInstanceStats(id);
    if (initAt === null) throw new Error(`the console never said "${INIT_STARTS}": ${consoleText.slice(-400)}`);
    while (hypervisor.describeInstances({ instanceIds: [id] })[0]?.statusChecks.instance !== "ok") {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const kernelAt = await guestClockStart(hypervisor, id);
    return {
      firmwareMs: kernelAt - start,
      kernelMs: initAt - kernelAt,
      initMs: promptAt - initAt,
      totalMs: promptAt - start,
      instructions,
    };
  } finally {
    await hypervisor.shutdownAll();
  }
}

export async function benchBootPhases(runs: number): Promise<void> {
  const dir = await verboseImages();
  const phases: Phases[] = [];
  const quiet: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      phases.push(await bootPhases(dir));
      quiet.push((await bootToPrompt()).ms);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const mid = (pick: (p: Phases) => number) => round(median(phases.map(pick)));
  report({
    bench: "boot-phases",
    env: "node",
    runs,
    firmwareMs: mid((p) => p.firmwareMs),
    kernelMs: mid((p) => p.kernelMs),
    initMs: mid((p) => p.initMs),
    totalMs: mid((p) => p.totalMs),
    instructions: Math.round(median(phases.map((p) => p.instructions))),
    quietBootToPromptMs: round(median(quiet)),
  });
}
