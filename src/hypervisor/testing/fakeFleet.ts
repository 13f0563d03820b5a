/**
 * A real Hypervisor over fake workers, for tests of what the hypervisor does rather than what a
 * guest does: the Node constructor (fake-indexeddb, a fresh database each) with a FakeWorkerHost
 * and the small test catalog of testImages.ts,
 * and helpers that bring an instance to a state and wait for it by the hypervisor's own events.
 */
import type { Volume } from "../ebs/volumes.ts";
import type { Hypervisor } from "../hypervisor.ts";
import type { Instance } from "../instances/instance.ts";
import type { RunInstancesRequest } from "../instances/launchSpec.ts";
import { createNodeHypervisor, type NodeHypervisorOptions } from "../platform/nodeHypervisor.ts";
import { FakeWorkerHost } from "./fakeWorkerHost.ts";
import { testImageFetcher, TEST_IMAGES_DIR } from "./testImages.ts";

export { EBS_IMAGE_ID, INSTANCE_STORE_IMAGE_ID } from "./testImages.ts";

/** Long enough for a few channel messages and IndexedDB writes, short enough to fail fast. */
const WAIT_MS = 3000;

export interface FakeFleet {
  readonly hypervisor: Hypervisor;
  readonly host: FakeWorkerHost;
  /** Ends the hypervisor and the fake workers, and deletes the database. */
  close(): Promise<void>;
}

export async function fakeFleet(options: Omit<NodeHypervisorOptions, "workerHost"> = {}): Promise<FakeFleet> {
  const host = new FakeWorkerHost();
  const hypervisor = await createNodeHypervisor({
    keepSpareWorker: false,
    // No golden state is made beside the instances a test launches (fake workers boot no guest to save).
    fastLaunch: false,
    // Sampling and flushing are driven by the tests that are about them, not by the clock.
    sampleIntervalMs: 60_000,
    flushIntervalMs: 60_000,
    stopTimeoutMs: 1000,
    memoryBudgetMib: 4096,
    cpuCores: 2,
    imagesDir: TEST_IMAGES_DIR,
    fetcher: testImageFetcher,
    ...options,
    workerHost: host,
  });
  return {
    hypervisor,
    host,
    close: async () => {
      host.dispose();
      await hypervisor.shutdownAll();
    },
  };
}

export function describeOne(hypervisor: Hypervisor, instanceId: string): Instance {
  const [instance] = hypervisor.describeInstances({ instanceIds: [instanceId] });
  if (!instance) throw new Error(`${instanceId} is not listed`);
  return instance;
}

/** Waits until the instance satisfies the predicate, by the hypervisor's own events. */
export function waitForInstance(
  hypervisor: Hypervisor,
  instanceId: string,
  predicate: (instance: Instance) => boolean,
  what = "the awaited state",
): Promise<Instance> {
  return new Promise((resolve, reject) => {
    let unsubscribe: () => void = () => undefined;
    const check = (instance: Instance) => {
      if (instance.instanceId !== instanceId || !predicate(instance)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(instance);
    };
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`${instanceId} did not reach ${what} within ${WAIT_MS} ms: ${JSON.stringify(describeOne(hypervisor, instanceId))}`));
    }, WAIT_MS);
    unsubscribe = hypervisor.subscribe((event) => {
      if (event.type === "instance-changed") check(event.instance);
    });
    check(describeOne(hypervisor, instanceId));
  });
}

export const isState = (name: Instance["state"]["name"]) => (instance: Instance) => instance.state.name === name;
export const agentOk = (instance: Instance) => instance.state.name === "running" && instance.statusChecks.instance === "ok";

/** Launches one instance and returns it pending (its boot may be held by a gate). */
export async function launch(fleet: FakeFleet, request: RunInstancesRequest = {}): Promise<Instance> {
  const [instance] = await fleet.hypervisor.runInstances(request);
  if (!instance) throw new Error("runInstances returned no instance");
  return instance;
}

/** Launches one instance and waits until it runs; with the agent ready unless told otherwise. */
export async function launchRunning(
  fleet: FakeFleet,
  request: RunInstancesRequest = {},
  agent: "ready" | "booting" = "ready",
): Promise<Instance> {
  const { instanceId } = await launch(fleet, request);
  const running = await waitForInstance(fleet.hypervisor, instanceId, isState("running"), "running");
  if (agent === "booting") return running;
  fleet.host.workerOf(instanceId).agentReady();
  return waitForInstance(fleet.hypervisor, instanceId, agentOk, "running with its agent ready");
}

/** Stops a running instance and waits until it is stopped (hibernated when asked). */
export async function stopped(fleet: FakeFleet, instanceId: string, options: { hibernate?: boolean } = {}): Promise<Instance> {
  await fleet.hypervisor.stopInstances([instanceId], options);
  return waitForInstance(fleet.hypervisor, instanceId, isState("stopped"), "stopped");
}

/** The volume attached to the instance at a device, as describeVolumes shows it. */
export function volumeAt(hypervisor: Hypervisor, instanceId: string, device: "/dev/sda" | "/dev/sdb"): Volume | undefined {
  return hypervisor
    .describeVolumes()
    .find((volume) => volume.attachments.some((attachment) => attachment.instanceId === instanceId && attachment.device === device));
}
