/**
 * Builds the hypervisor's modules and gives each the small context it needs: which module may
 * call which is decided here, in one place, and nowhere else.
 */
import type { ImageRepository } from "../images/imageRepository.ts";
import type { Persistence } from "../persistence/persistence.ts";
import { CpuScheduler } from "./capacity/cpuScheduler.ts";
import { HostCapacityLedger } from "./capacity/hostCapacity.ts";
import { DiskFlusher } from "./ebs/diskFlush.ts";
import { EbsActions } from "./ebs/ebsActions.ts";
import { VolumeRegistry } from "./ebs/volumes.ts";
import { ImageActions } from "./imageActions.ts";
import { InstanceActions } from "./instances/actions.ts";
import { AgentWatch } from "./instances/agentWatch.ts";
import { InstanceBuilder } from "./instances/builder.ts";
import { InstanceConsole } from "./instances/console.ts";
import type { Instance } from "./instances/instance.ts";
import type { LaunchContext } from "./instances/launch.ts";
import { InstancePersistence } from "./instances/persist.ts";
import type { InstanceRecord } from "./instances/record.ts";
import { InstanceRegistry } from "./instances/registry.ts";
import type { RestoreContext } from "./instances/restore.ts";
import { Transitions } from "./instances/transitions.ts";
import { Sampler } from "./metering/sampler.ts";
import type { WorkerHost } from "./platform/workerHost.ts";
import { WorkerPool } from "./platform/workerPool.ts";
import { NetworkResources } from "./vpc/networkResources.ts";
import { FabricLink } from "./fabricLink.ts";
import type { AptMirror } from "../images/aptMirror.ts";
import { InstanceNetwork } from "./instances/network.ts";
import { GoldenStates } from "./golden/goldenStates.ts";
import { makeGolden } from "./golden/goldenMaker.ts";
import { GoldenSpares } from "./golden/goldenSpare.ts";
import { LaunchTemplates } from "./templates/launchTemplates.ts";

export type HypervisorEvent =
  | { readonly type: "instance-changed"; readonly instance: Instance }
  /** New monitoring samples, shares or bills (once per sampling interval). */
  | { readonly type: "metrics-updated" }
  /** A terminated instance's listing expired. */
  | { readonly type: "instance-removed"; readonly instanceId: string }
  /** Volumes, snapshots or images changed. */
  | { readonly type: "storage-changed" }
  /** VPCs, subnets, gateways, route tables, security groups (or their rules) or network interfaces changed. */
  | { readonly type: "network-changed" }
  /** A launch template was created, given a version or a new default, or deleted. */
  | { readonly type: "launch-templates-changed" };

export interface HypervisorOptions {
  readonly workerHost: WorkerHost;
  readonly images: ImageRepository;
  /** The offline apt archive the fabric serves at deb.debian.org; none unless given. */
  readonly aptMirror?: AptMirror;
  /** Where images, volumes, snapshots and the fleet are kept (IndexedDB). */
  readonly persistence: Persistence;
  /** How often a running instance's new disk writes are stored: a reload loses at most this much. */
  readonly flushIntervalMs?: number;
  /**
   * The instance quota's default (instances that may exist at once, terminated ones excluded;
   * EC2's InstanceLimitExceeded past it); without it, what the memory budget holds of the smallest type.
   */
  readonly instanceLimit?: number;
  /** How long a stop waits for the guest to power off before pulling the plug. */
  readonly stopTimeoutMs?: number;
  /** How long terminated instances stay listed (EC2: about an hour). */
  readonly terminatedVisibleMs?: number;
  /** The host's memory budget for instances, guest RAM plus emulator overhead. */
  readonly memoryBudgetMib: number;
  /** Host cores the instances may share (their CPU budget is 100% per core). */
  readonly cpuCores: number;
  /** How often CPU use is sampled, shares recomputed and credits accounted. */
  readonly sampleIntervalMs?: number;
  /** Keep one worker started ahead of need (default true). */
  readonly keepSpareWorker?: boolean;
  /** Give guests their data volume as a plain in-memory disk whose writes are not kept: the volume-io benchmark's yardstick. */
  readonly dataVolumesInMemory?: boolean;
  /**
   * Launch fresh instances from their image's golden state and make one at an image's first
   * launch (default true). Off, every launch cold-boots and no second emulator ever boots
   * beside the instances (benchmarks of cold boots and of CPU shares).
   */
  readonly fastLaunch?: boolean;
}

/** What the modules tell the facade. */
export interface WiringHooks {
  emit(event: HypervisorEvent): void;
  /** An instance began running: sampling and periodic flushing must run. */
  started(): void;
}

export interface HypervisorModules {
  readonly registry: InstanceRegistry;
  readonly saver: InstancePersistence;
  readonly volumes: VolumeRegistry;
  readonly disks: DiskFlusher;
  readonly workers: WorkerPool;
  readonly capacity: HostCapacityLedger;
  readonly scheduler: CpuScheduler;
  readonly sampler: Sampler;
  readonly transitions: Transitions;
  readonly console: InstanceConsole;
  readonly instances: InstanceActions;
  readonly ebs: EbsActions;
  readonly images: ImageActions;
  readonly launch: LaunchContext;
  readonly restore: RestoreContext;
  readonly network: NetworkResources;
  readonly instanceNetwork: InstanceNetwork;
  readonly fabric: FabricLink;
  readonly goldens: GoldenStates;
  readonly goldenSpares: GoldenSpares;
  readonly templates: LaunchTemplates;
}

export function wireModules(options: HypervisorOptions, hooks: WiringHooks): HypervisorModules {
  const { persistence } = options;
  const fleet = persistence.fleet;
  let saver: InstancePersistence | null = null;
  let instanceNetwork: InstanceNetwork | null = null;
  let fabric: FabricLink | null = null;
  /** Each instance's state when last seen: a change of state may take it on or off the network. */
  const lastState = new Map<string, string>();
  const registry = new InstanceRegistry({
    changed: (record) => {
      hooks.emit({ type: "instance-changed", instance: record.instance });
      void saver?.save(record);
      const { instanceId, state } = record.instance;
      if (lastState.get(instanceId) === state.name) return;
      lastState.set(instanceId, state.name);
      void instanceNetwork?.stateChanged(record).catch((error: unknown) => console.warn(`tabcloud: ${instanceId}'s network:`, error));
      fabric?.changed();
    },
    removed: (record) => {
      lastState.delete(record.instance.instanceId);
      void fleet.deleteInstance(record.instance.instanceId).catch(() => undefined);
      hooks.emit({ type: "instance-removed", instanceId: record.instance.instanceId });
    },
    terminatedVisibleMs: options.terminatedVisibleMs ?? 60 * 60 * 1000,
  });
  saver = new InstancePersistence({ fleet, isListed: (record) => registry.has(record) });
  const update = registry.update.bind(registry);
  const network = new NetworkResources({
    store: persistence.network,
    changed: () => {
      hooks.emit({ type: "network-changed" });
      instanceNetwork?.refreshAll();
      fabric?.changed();
    },
  });
  fabric = new FabricLink({
    host: options.workerHost,
    mirror: options.aptMirror ?? null,
    topology: () => network.topology(instanceNetwork?.ports() ?? []),
  });
  instanceNetwork = new InstanceNetwork({ network, all: () => registry.all(), update, fabric });
  const storageChanged = () => hooks.emit({ type: "storage-changed" });
  const volumes = new VolumeRegistry(persistence.volumes, fleet);
  const disks = new DiskFlusher({ volumes, update });
  const workers = new WorkerPool(options.workerHost, options.keepSpareWorker ?? true);
  const capacity = new HostCapacityLedger(fleet, () => registry.all(), {
    memoryBudgetMib: options.memoryBudgetMib,
    cpuCores: options.cpuCores,
    defaultInstanceQuota: options.instanceLimit,
  });
  const scheduler = new CpuScheduler({
    running: () => registry.running(),
    typeOf: (record) => registry.typeOf(record),
    cpuBudgetPct: () => capacity.cpuBudgetPct,
    sampleIntervalMs: options.sampleIntervalMs ?? 1000,
  });
  const reschedule = () => scheduler.reschedule();
  const agents = new AgentWatch({ update });
  const sampler = new Sampler({
    running: () => registry.running(),
    reschedule,
    checkAgent: (record) => agents.check(record),
    workerAnswers: (record, answers) => agents.workerAnswers(record, answers),
    sampled: () => hooks.emit({ type: "metrics-updated" }),
  });
  const transitions = new Transitions({ registry, disks, volumes, fleet, reschedule, stopTimeoutMs: options.stopTimeoutMs ?? 10_000 });
  const instanceConsole = new InstanceConsole(registry);
  const goldenSpares = new GoldenSpares(
    { images: options.images, spawn: () => options.workerHost.spawn("spare") },
    options.fastLaunch !== false && options.keepSpareWorker !== false,
  );
  const goldens = new GoldenStates({
    enabled: options.fastLaunch !== false,
    store: persistence.goldenStates,
    settings: fleet,
    make: (image, identity, devices, signal) =>
      makeGolden(
        {
          images: options.images,
          spawn: () => options.workerHost.spawn("golden"),
          snapshotBlocks: (snapshotId) => persistence.volumes.snapshotBlocks(snapshotId),
        },
        image,
        identity,
        devices,
        signal,
      ),
    changed: storageChanged,
    stored: (image, identity) =>
      void goldens.find(identity).then((found) => found.kind === "found" && goldenSpares.prepare(image, found.golden)),
  });
  const builder = new InstanceBuilder({
    registry,
    images: options.images,
    volumes,
    workers,
    transitions,
    disks,
    agents,
    console: instanceConsole,
    fleet,
    started: () => {
      hooks.started();
      return reschedule();
    },
    imagesChanged: storageChanged,
    dataVolumesInMemory: options.dataVolumesInMemory ?? false,
    plugNetwork: (record) => instanceNetwork?.plug(record) ?? Promise.resolve(null),
    goldens,
    goldenSpares,
  });
  const ebs = new EbsActions({
    volumes,
    images: options.images,
    instance: (instanceId) => registry.get(instanceId).instance,
    knownInstance: (instanceId) => registry.find(instanceId)?.instance,
    flushWrites: async (instanceId) => {
      const record = registry.find(instanceId);
      if (record?.runtime.worker) await disks.flush(record);
    },
    changed: storageChanged,
  });
  const images = new ImageActions({
    images: options.images,
    instance: (instanceId) => {
      const record = registry.get(instanceId);
      return { instance: record.instance, rootVolumeId: record.config.rootVolumeId, image: record.config.image };
    },
    createSnapshot: (volumeId, description) => ebs.createSnapshot(volumeId, description),
    instanceBlobs: () => bootBlobsOf(registry.all()),
    goldens,
    aptMirror: options.aptMirror ?? null,
    changed: storageChanged,
  });
  return {
    registry,
    saver,
    volumes,
    disks,
    workers,
    capacity,
    scheduler,
    sampler,
    transitions,
    console: instanceConsole,
    instances: new InstanceActions({ registry, builder, transitions, capacity }),
    ebs,
    images,
    launch: {
      registry,
      builder,
      capacity,
      volumes,
      describeImages: () => images.describeImages(),
      network: instanceNetwork,
    },
    restore: { fleet, registry, persistence: saver, capacity, builder, transitions },
    network,
    instanceNetwork,
    fabric,
    goldens,
    goldenSpares,
    templates: new LaunchTemplates({ store: persistence.launchTemplates, changed: () => hooks.emit({ type: "launch-templates-changed" }) }),
  };
}

/** The image files instances boot from besides their volumes: kept while an instance may boot again. */
function bootBlobsOf(records: readonly InstanceRecord[]): Set<string> {
  const blobs = new Set<string>();
  for (const record of records) {
    if (record.instance.state.name === "terminated") continue;
    const files = record.config.image.files;
    for (const file of [files.bios, files.kernel]) blobs.add(file.sha256);
  }
  return blobs;
}
