/**
 * The hypervisor's modules wired as the Hypervisor wires them (wiring.ts), over fake workers, for
 * tests that must look at what only the modules hold: an instance's record (its configuration,
 * CPU credit account, runtime) behind what describeInstances shows.
 */
import { pathToFileURL } from "node:url";
import { ImageRepository } from "../../images/imageRepository.ts";
import type { Persistence } from "../../persistence/persistence.ts";
import { runInstances } from "../instances/launch.ts";
import type { RunInstancesRequest } from "../instances/launchSpec.ts";
import type { InstanceRecord } from "../instances/record.ts";
import { wireModules, type HypervisorEvent, type HypervisorModules } from "../wiring.ts";
import { FakeWorkerHost } from "./fakeWorkerHost.ts";
import { testPersistence } from "./records.ts";
import { testImageFetcher, TEST_IMAGES_DIR } from "./testImages.ts";

export interface FakeModules {
  readonly modules: HypervisorModules;
  readonly host: FakeWorkerHost;
  readonly persistence: Persistence;
  readonly events: HypervisorEvent[];
  /** Launches one instance and returns its record (pending). */
  launch(request?: RunInstancesRequest): Promise<InstanceRecord>;
  close(): Promise<void>;
}

export async function fakeModules(): Promise<FakeModules> {
  const persistence = await testPersistence();
  const host = new FakeWorkerHost();
  const events: HypervisorEvent[] = [];
  const modules = wireModules(
    {
      workerHost: host,
      images: new ImageRepository(pathToFileURL(`${TEST_IMAGES_DIR}/index.json`).href, testImageFetcher, persistence.images),
      persistence,
      memoryBudgetMib: 4096,
      cpuCores: 2,
      keepSpareWorker: false,
      stopTimeoutMs: 1000,
    },
    { emit: (event) => events.push(event), started: () => undefined },
  );
  await modules.capacity.load();
  await modules.volumes.load();
  await modules.network.load();
  return {
    modules,
    host,
    persistence,
    events,
    launch: async (request = {}) => {
      const [instance] = await runInstances(modules.launch, request);
      if (!instance) throw new Error("runInstances returned no instance");
      return modules.registry.get(instance.instanceId);
    },
    close: async () => {
      host.dispose();
      await modules.workers.close();
      const records = modules.registry.all();
      await Promise.all(records.map((record) => record.runtime.saving));
      modules.saver.close();
      await Promise.all(records.map((record) => modules.transitions.releaseWorker(record)));
      await modules.network.idle();
      await modules.fabric.shutdown();
      await persistence.close();
    },
  };
}
