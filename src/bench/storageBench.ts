/**
 * Storage benchmarks run in Chromium by bench/storage.ts: a launch with the image already in
 * IndexedDB, disk speed on an overlay volume against v86's in-memory disk, and how long a
 * fleet takes to come back after a reload.
 */
import type { Hypervisor } from "../hypervisor/index.ts";
import { benchHypervisor } from "./benchHypervisor.ts";
import { PromptWatcher } from "./promptWatcher.ts";

/** Kept apart from the lab's own database and from the other benchmarks'. */
const DATABASE = "tabcloud-bench-storage";

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

async function instanceReady(hypervisor: Hypervisor, id: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const check = () => {
      const [instance] = hypervisor.describeInstances({ instanceIds: [id] });
      if (instance?.state.name === "running" && instance.statusChecks.instance === "ok") {
        unsubscribe();
        resolve();
      }
    };
    const unsubscribe = hypervisor.subscribe(check);
    check();
  });
}

async function waitForTerminated(hypervisor: Hypervisor, id: string): Promise<void> {
  while (hypervisor.describeInstances({ instanceIds: [id] })[0]?.state.name !== "terminated")
    await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Launches the default image and resolves with the time from runInstances to the shell's prompt. */
async function launchToPrompt(hypervisor: Hypervisor): Promise<{ id: string; ms: number }> {
  const watcher = new PromptWatcher();
  const start = performance.now();
  const [instance] = await hypervisor.runInstances();
  if (!instance) throw new Error("no instance");
  hypervisor.onConsoleOutput(instance.instanceId, (bytes) => watcher.push(bytes));
  await watcher.until();
  return { id: instance.instanceId, ms: performance.now() - start };
}

/** First visit: a fresh database, the image downloaded and cached. Resolves with the download launch's time. */
async function firstLaunch(): Promise<number> {
  await deleteDatabase(DATABASE);
  const hypervisor = await benchHypervisor(DATABASE);
  const { id, ms } = await launchToPrompt(hypervisor);
  await hypervisor.terminateInstances([id]);
  await hypervisor.shutdownAll();
  return ms;
}

/**
 * After a reload: the image comes from IndexedDB. Then a second launch in the same page, whose
 * image is already in memory, is the boot alone.
 */
async function cachedLaunch(): Promise<{ launchToPromptMs: number; bootToPromptMs: number }> {
  const hypervisor = await benchHypervisor(DATABASE);
  const cached = await launchToPrompt(hypervisor);
  await hypervisor.terminateInstances([cached.id]);
  await waitForTerminated(hypervisor, cached.id);
  const again = await launchToPrompt(hypervisor);
  await hypervisor.terminateInstances([again.id]);
  await hypervisor.shutdownAll();
  return { launchToPromptMs: cached.ms, bootToPromptMs: again.ms };
}

const WRITE_MIB = 16;

/** dd in the guest from and to a second volume (a copy of the root volume), as an overlay or as v86's in-memory disk. */
async function diskSpeed(inMemory: boolean): Promise<{ writeMiBps: number; readMiBps: number }> {
  const name = `${DATABASE}-io-${inMemory ? "memory" : "overlay"}`;
  await deleteDatabase(name);
  const hypervisor = await benchHypervisor(name, { dataVolumesInMemory: inMemory });
  const [instance] = await hypervisor.runInstances();
  if (!instance) throw new Error("no instance");
  const id = instance.instanceId;
  await instanceReady(hypervisor, id);
  await hypervisor.stopInstances([id]);
  // A copy of the root volume: its blocks read from the image, as a root volume's do.
  const root = hypervisor.describeVolumes().find((volume) => volume.attachments[0]?.instanceId === id);
  if (!root) throw new Error("no root volume");
  const snapshot = await hypervisor.createSnapshot(root.volumeId);
  const volume = await hypervisor.createVolume({ snapshotId: snapshot.snapshotId });
  await hypervisor.attachVolume(volume.volumeId, id);
  await hypervisor.startInstances([id]);
  await instanceReady(hypervisor, id);
  const timed = async (command: string) => {
    const start = performance.now();
    const result = await hypervisor.runCommand(id, command, { timeoutMs: 120_000 });
    if (result.exitCode !== 0) throw new Error(`${command}: ${result.stderr}`);
    return (performance.now() - start) / 1000;
  };
  const count = (WRITE_MIB * 1024) / 64;
  // Nothing has read the second disk yet: this reads the disk, not the guest's page cache.
  const readSeconds = await timed(`dd if=/dev/sdb of=/dev/null bs=64k count=${count} 2>/dev/null`);
  const writeSeconds = await timed(`dd if=/dev/zero of=/dev/sdb bs=64k seek=${count} count=${count} conv=fsync 2>/dev/null`);
  await hypervisor.shutdownAll();
  await deleteDatabase(name);
  return { writeMiBps: WRITE_MIB / writeSeconds, readMiBps: WRITE_MIB / readSeconds };
}

/** Launches instances and waits until each one's agent answers: the fleet the reload brings back. */
async function fleetBeforeReload(count: number): Promise<void> {
  await deleteDatabase(DATABASE);
  const hypervisor = await benchHypervisor(DATABASE);
  const instances = await hypervisor.runInstances({ count, instanceType: "t3.nano" });
  await Promise.all(instances.map((instance) => instanceReady(hypervisor, instance.instanceId)));
  // The page is reloaded without a shutdown, as a person's reload would do it.
}

/** After the reload: from opening the storage until every instance runs again with its agent answering. */
async function fleetAfterReload(): Promise<{ instances: number; msUntilAllBack: number }> {
  const start = performance.now();
  const hypervisor = await benchHypervisor(DATABASE);
  const instances = hypervisor.describeInstances();
  await Promise.all(instances.map((instance) => instanceReady(hypervisor, instance.instanceId)));
  const msUntilAllBack = performance.now() - start;
  await hypervisor.terminateInstances(instances.map((instance) => instance.instanceId));
  await hypervisor.shutdownAll();
  await deleteDatabase(DATABASE);
  return { instances: instances.length, msUntilAllBack };
}

export const storageBench = { firstLaunch, cachedLaunch, diskSpeed, fleetBeforeReload, fleetAfterReload };
