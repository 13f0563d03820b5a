/**
 * Where a cold boot's time goes, told by the guest's own clock: after the prompt, the guest's
 * uptime says when its kernel started on the host's clock, and the uptime its /etc/init.d/rcS
 * noted as it started (/run/tabcloud/init-uptime, read as soon as /proc is mounted) says when the
 * kernel handed over to init.
 * - firmware: from runInstances to the kernel starting (the worker and emulator, SeaBIOS,
 *   unpacking the kernel);
 * - kernel: from there to /sbin/init;
 * - init: from there to the shell's prompt on the console.
 * Used by the bench page in Chromium and by bench/bootPhases.ts under Node.
 */
import type { Hypervisor } from "../hypervisor/index.ts";
import { PromptWatcher } from "./promptWatcher.ts";

export interface BootPhases {
  readonly firmwareMs: number;
  readonly kernelMs: number;
  readonly initMs: number;
  readonly totalMs: number;
  readonly instructions: number;
}

/** Seconds since boot now, and when init started, from `cat /proc/uptime /run/tabcloud/init-uptime`. */
export function parseUptimeAndInitStart(output: string): { uptimeS: number; initStartS: number } | null {
  const [uptimeLine, initLine] = output.split("\n");
  const uptimeS = Number(uptimeLine?.split(" ")[0]);
  const initStartS = Number(initLine?.trim());
  if (!uptimeLine || !initLine?.trim() || !Number.isFinite(uptimeS) || !Number.isFinite(initStartS)) return null;
  return { uptimeS, initStartS };
}

/** Launches one instance (fast launch must be off), times it to its prompt and splits the time; the instance is left running. */
export async function timeBootPhases(hypervisor: Hypervisor): Promise<BootPhases & { readonly instanceId: string }> {
  const prompt = new PromptWatcher();
  const start = performance.now();
  const [instance] = await hypervisor.runInstances();
  if (!instance) throw new Error("no instance launched");
  const id = instance.instanceId;
  const stop = hypervisor.onConsoleOutput(id, (bytes) => prompt.push(bytes));
  await prompt.until();
  const promptAt = performance.now();
  stop();
  const { instructions } = await hypervisor.getInstanceStats(id);
  while (hypervisor.describeInstances({ instanceIds: [id] })[0]?.statusChecks.instance !== "ok") {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const asked = performance.now();
  const result = await hypervisor.runCommand(id, "cat /proc/uptime /run/tabcloud/init-uptime", { timeoutMs: 10_000 });
  const answered = performance.now();
  const clock = parseUptimeAndInitStart(result.stdout);
  if (result.exitCode !== 0 || !clock) throw new Error(`no uptime: ${result.stdout}${result.stderr}`);
  const kernelAt = (asked + answered) / 2 - clock.uptimeS * 1000;
  const initAt = kernelAt + clock.initStartS * 1000;
  return {
    instanceId: id,
    firmwareMs: kernelAt - start,
    kernelMs: initAt - kernelAt,
    initMs: promptAt - initAt,
    totalMs: promptAt - start,
    instructions,
  };
}
