/**
 * The hypervisor: the page-side coordinator that owns every instance. Its public methods are
 * named after EC2's actions and are the only way anything changes an instance, volume or image;
 * each delegates to the module that owns the resource (see README.md beside this file). Plain
 * TypeScript with no DOM: the browser and Node give it their own WorkerHost.
 */
import type { ExecResult } from "../guest/agentClient.ts";
import type { ImageDescription, ImageRepository, LoadOptions } from "../images/imageRepository.ts";
import type { Persistence } from "../persistence/persistence.ts";
import { Ec2Error } from "../shared/errors.ts";
import type { InstanceStats } from "../worker/api.ts";
import { CpuScheduler } from "./capacity/cpuScheduler.ts";
import { HostCapacityLedger, type HostBudgets, type HostCapacity } from "./capacity/hostCapacity.ts";
import { DiskFlusher } from "./ebs/diskFlush.ts";
import { EbsActions } from "./ebs/ebsActions.ts";
import { VolumeRegistry, type Snapshot, type StorageBill, type Volume } from "./ebs/volumes.ts";
import { ImageActions } from "./imageActions.ts";
import { InstanceActions, type ModifyInstanceAttributeRequest } from "./instances/actions.ts";
import { AgentWatch } from "./instances/agentWatch.ts";
import { InstanceBuilder } from "./instances/builder.ts";
import { InstanceConsole, type ConsoleOutput } from "./instances/console.ts";
import { filterInstances, type DescribeInstancesRequest } from "./instances/describe.ts";
import type { Instance, InstanceStateChange } from "./instances/instance.ts";
import { INSTANCE_TYPES, type InstanceType } from "./instances/instanceTypes.ts";
import { isTerminalSize, type TerminalSize } from "./instances/kernelCommandLine.ts";
import { runInstances, type LaunchContext } from "./instances/launch.ts";
import type { RunInstancesRequest } from "./instances/launchSpec.ts";
import { InstancePersistence } from "./instances/persist.ts";
import { isRunning, type InstanceRecord } from "./instances/record.ts";
import { InstanceRegistry } from "./instances/registry.ts";
import { restoreFleet } from "./instances/restore.ts";
import { Transitions } from "./instances/transitions.ts";
import type { Bill } from "./metering/meter.ts";
import type { MetricSample } from "./metering/monitoring.ts";
import { Sampler } from "./metering/sampler.ts";
import type { WorkerHost } from "./platform/workerHost.ts";
import { WorkerPool } from "./platform/workerPool.ts";

export type { DescribeInstancesRequest, HostCapacity, ModifyInstanceAttributeRequest, RunInstancesRequest };

export type HypervisorEvent =
  | { readonly type: "instance-changed"; readonly instance: Instance }
  /** New monitoring samples, shares or bills (once per sampling interval). */
  | { readonly type: "metrics-updated" }
  /** A terminated instance's listing expired. */
  | { readonly type: "instance-removed"; readonly instanceId: string }
  /** Volumes, snapshots or images changed. */
  | { readonly type: "storage-changed" };

export interface HypervisorOptions {
  readonly workerHost: WorkerHost;
  readonly images: ImageRepository;
  /** Where images, volumes, snapshots and the fleet are kept (IndexedDB). */
  readonly persistence: Persistence;
  /** How often a running instance's new disk writes are stored: a reload loses at most this much. */
  readonly flushIntervalMs?: number;
  /** Most instances that may exist at once, terminated ones excluded (EC2's InstanceLimitExceeded). */
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
}

/** Disk writes reach storage at least this often while an instance runs. */
const DEFAULT_FLUSH_INTERVAL_MS = 2000;
const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

export class Hypervisor {
  readonly #persistence: Persistence;
  readonly #listeners = new Set<(event: HypervisorEvent) => void>();
  readonly #registry: InstanceRegistry;
  readonly #saver: InstancePersistence;
  readonly #volumes: VolumeRegistry;
  readonly #disks: DiskFlusher;
  readonly #workers: WorkerPool;
  readonly #capacity: HostCapacityLedger;
  readonly #scheduler: CpuScheduler;
  readonly #sampler: Sampler;
  readonly #transitions: Transitions;
  readonly #agents: AgentWatch;
  readonly #console: InstanceConsole;
  readonly #builder: InstanceBuilder;
  readonly #instances: InstanceActions;
  readonly #ebs: EbsActions;
  readonly #images: ImageActions;
  readonly #launch: LaunchContext;
  readonly #timers: {
    readonly sampleMs: number;
    readonly flushMs: number;
    sampler?: ReturnType<typeof setInterval>;
    flusher?: ReturnType<typeof setInterval>;
  };

  constructor(options: HypervisorOptions) {
    const { persistence, images } = options;
    const fleet = persistence.fleet;
    this.#persistence = persistence;
    this.#timers = { sampleMs: options.sampleIntervalMs ?? 1000, flushMs: options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS };
    const registry = new InstanceRegistry({
      changed: (record) => this.#changed(record),
      removed: (record) => {
        void fleet.deleteInstance(record.instance.instanceId).catch(() => undefined);
        this.#emit({ type: "instance-removed", instanceId: record.instance.instanceId });
      },
      terminatedVisibleMs: options.terminatedVisibleMs ?? 60 * 60 * 1000,
    });
    this.#registry = registry;
    this.#saver = new InstancePersistence({ fleet, isListed: (record) => registry.has(record) });
    this.#volumes = new VolumeRegistry(persistence.volumes, fleet);
    const update = registry.update.bind(registry);
    this.#disks = new DiskFlusher({ volumes: this.#volumes, update });
    this.#workers = new WorkerPool(options.workerHost, options.keepSpareWorker ?? true);
    this.#capacity = new HostCapacityLedger(fleet, () => registry.all(), {
      memoryBudgetMib: options.memoryBudgetMib,
      cpuCores: options.cpuCores,
    });
    this.#scheduler = new CpuScheduler({
      running: () => registry.running(),
      typeOf: (record) => registry.typeOf(record),
      cpuBudgetPct: () => this.#capacity.cpuBudgetPct,
      sampleIntervalMs: this.#timers.sampleMs,
    });
    const reschedule = () => this.#scheduler.reschedule();
    this.#agents = new AgentWatch({ update });
    this.#sampler = new Sampler({
      running: () => registry.running(),
      reschedule,
      checkAgent: (record) => this.#agents.check(record),
      sampled: () => this.#emit({ type: "metrics-updated" }),
    });
    this.#transitions = new Transitions({
      registry,
      disks: this.#disks,
      volumes: this.#volumes,
      fleet,
      reschedule,
      stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
    });
    this.#console = new InstanceConsole(registry);
    this.#builder = new InstanceBuilder({
      registry,
      images,
      volumes: this.#volumes,
      workers: this.#workers,
      transitions: this.#transitions,
      disks: this.#disks,
      agents: this.#agents,
      console: this.#console,
      fleet,
      started: () => {
        this.#startTimers();
        return reschedule();
      },
      imagesChanged: () => this.#storageChanged(),
      dataVolumesInMemory: options.dataVolumesInMemory ?? false,
    });
    this.#instances = new InstanceActions({ registry, builder: this.#builder, transitions: this.#transitions, capacity: this.#capacity });
    this.#ebs = new EbsActions({
      volumes: this.#volumes,
      images,
      instance: (instanceId) => registry.get(instanceId).instance,
      knownInstance: (instanceId) => registry.find(instanceId)?.instance,
      flushWrites: async (instanceId) => {
        const record = registry.find(instanceId);
        if (record?.runtime.worker) await this.#disks.flush(record);
      },
      changed: () => this.#storageChanged(),
    });
    this.#images = new ImageActions({
      images,
      instance: (instanceId) => {
        const record = registry.get(instanceId);
        return { instance: record.instance, rootVolumeId: record.config.rootVolumeId, image: record.config.image };
      },
      createSnapshot: (volumeId, description) => this.#ebs.createSnapshot(volumeId, description),
      instanceBlobs: () => bootBlobsOf(registry.all()),
      changed: () => this.#storageChanged(),
    });
    this.#launch = {
      registry,
      builder: this.#builder,
      capacity: this.#capacity,
      volumes: this.#volumes,
      describeImages: () => this.#images.describeImages(),
      instanceLimit: options.instanceLimit ?? 8,
    };
  }

  /** Listens to every change of every instance; returns the function that stops listening. */
  subscribe(listener: (event: HypervisorEvent) => void): () => void {
    if (typeof listener !== "function") throw new Ec2Error("InvalidParameterValue", "subscribe needs a function to call with each event.");
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Brings the fleet back as it was kept: settings, volumes, snapshots and instances. Stopped
   * instances stay stopped (hibernated ones resume at their next start); instances that were
   * running boot again from their root volumes, with the reason in their state reason.
   */
  async restore(): Promise<void> {
    await this.#capacity.load();
    await this.#volumes.load();
    const unreadable = await restoreFleet({
      fleet: this.#persistence.fleet,
      registry: this.#registry,
      persistence: this.#saver,
      capacity: this.#capacity,
      builder: this.#builder,
      transitions: this.#transitions,
    });
    for (const { instanceId, reason } of unreadable) console.warn(`tabcloud: the instance ${instanceId} was not brought back: ${reason}.`);
  }

  describeImages(): Promise<ImageDescription[]> {
    return this.#images.describeImages();
  }
  downloadImage(imageId: string, options: LoadOptions = {}): Promise<void> {
    return this.#images.downloadImage(imageId, options);
  }
  describeInstanceTypes(): readonly InstanceType[] {
    return INSTANCE_TYPES;
  }

  describeInstances(request: DescribeInstancesRequest = {}): Instance[] {
    const records = request.instanceIds ? request.instanceIds.map((id) => this.#registry.get(id)) : this.#registry.all();
    return filterInstances(
      records.map((record) => record.instance),
      request.filters ?? [],
    );
  }

  /** Launches instances; they are returned pending and boot in the background, as on EC2. */
  runInstances(request: RunInstancesRequest = {}): Promise<Instance[]> {
    return runInstances(this.#launch, request);
  }
  /** Boots stopped instances again from their root volumes; running ones are left as they are. */
  async startInstances(instanceIds: readonly string[]): Promise<InstanceStateChange[]> {
    return this.#instances.start(instanceIds);
  }
  /** Stops running instances (with hibernate, saving their memory); their root volumes are kept for the next start. */
  async stopInstances(
    instanceIds: readonly string[],
    options: { force?: boolean; hibernate?: boolean } = {},
  ): Promise<InstanceStateChange[]> {
    return this.#instances.stop(instanceIds, options);
  }
  /** Reboots the guest's operating system; the instance stays running, as on EC2. */
  async rebootInstances(instanceIds: readonly string[]): Promise<void> {
    return this.#instances.reboot(instanceIds);
  }
  async terminateInstances(instanceIds: readonly string[]): Promise<InstanceStateChange[]> {
    return this.#instances.terminate(instanceIds);
  }
  /** Changes an instance's type (only while stopped) or its termination and shutdown attributes. */
  async modifyInstanceAttribute(instanceId: string, request: ModifyInstanceAttributeRequest): Promise<void> {
    this.#instances.modifyAttribute(instanceId, request);
  }

  // EBS: volumes and snapshots (ebs/).
  describeVolumes(request: { readonly volumeIds?: readonly string[] } = {}): Volume[] {
    return this.#volumes.describeVolumes(request.volumeIds);
  }
  describeSnapshots(request: { readonly snapshotIds?: readonly string[] } = {}): Snapshot[] {
    return this.#volumes.describeSnapshots(request.snapshotIds);
  }
  createVolume(...args: Parameters<EbsActions["createVolume"]>): Promise<Volume> {
    return this.#ebs.createVolume(...args);
  }
  attachVolume(volumeId: string, instanceId: string): Promise<Volume> {
    return this.#ebs.attachVolume(volumeId, instanceId);
  }
  detachVolume(volumeId: string): Promise<Volume> {
    return this.#ebs.detachVolume(volumeId);
  }
  deleteVolume(volumeId: string): Promise<void> {
    return this.#ebs.deleteVolume(volumeId);
  }
  createSnapshot(volumeId: string, description?: string): Promise<Snapshot> {
    return this.#ebs.createSnapshot(volumeId, description);
  }
  deleteSnapshot(snapshotId: string): Promise<void> {
    return this.#ebs.deleteSnapshot(snapshotId);
  }
  exportVolume(volumeId: string): Promise<Uint8Array> {
    return this.#ebs.exportVolume(volumeId);
  }
  importVolume(bytes: Uint8Array, request: { readonly name?: string } = {}): Promise<Volume> {
    return this.#ebs.importVolume(bytes, request);
  }
  getStorageBill(): StorageBill {
    return this.#ebs.getStorageBill();
  }

  // Images made or imported here (imageActions.ts).
  createImage(instanceId: string, request: { readonly name: string; readonly description?: string }): Promise<ImageDescription> {
    return this.#images.createImage(instanceId, request);
  }
  deregisterImage(imageId: string): Promise<{ freedBytes: number }> {
    return this.#images.deregisterImage(imageId);
  }
  importImage(...args: Parameters<ImageActions["importImage"]>): Promise<ImageDescription> {
    return this.#images.importImage(...args);
  }

  /** The host's memory and CPU budgets and what each live instance holds of them. */
  describeHostCapacity(): HostCapacity {
    return this.#capacity.describe();
  }
  /** Changes the host's budgets. A smaller memory budget affects only later launches and starts. */
  async setHostCapacity(capacity: HostBudgets): Promise<void> {
    await this.#capacity.set(capacity);
    await this.#scheduler.reschedule();
    this.#emit({ type: "metrics-updated" });
  }

  /** The saved state of a hibernated instance, or null when it has none. */
  describeHibernation(instanceId: string): { stateBytes: number } | null {
    const hibernation = this.#registry.get(instanceId).runtime.hibernation;
    return hibernation ? { stateBytes: hibernation.byteLength } : null;
  }
  /** CloudWatch-style samples of the instance's CPU, oldest first (five minutes at most). */
  getMetricData(instanceId: string): readonly MetricSample[] {
    return this.#registry.get(instanceId).runtime.metrics;
  }
  /** What the instance has cost so far. */
  getInstanceBill(instanceId: string): Bill {
    return this.#registry.get(instanceId).config.meter.bill(Date.now());
  }

  /** EC2's GetConsoleOutput: the newest 64 KiB the instance wrote to its serial console. */
  getConsoleOutput(instanceId: string): ConsoleOutput {
    return this.#console.output(instanceId);
  }
  /** Receives what the instance writes to its console from now on; returns the function that stops it. */
  onConsoleOutput(instanceId: string, listener: (data: Uint8Array) => void): () => void {
    if (typeof listener !== "function")
      throw new Ec2Error("InvalidParameterValue", "onConsoleOutput needs a function to call with the bytes.");
    return this.#console.listen(instanceId, listener);
  }
  /** Types into the instance's serial console. */
  async sendConsoleInput(instanceId: string, data: string): Promise<void> {
    return this.#console.type(instanceId, data);
  }
  /** Tells the guest its console's size; kept for the next boot too. */
  async setTerminalSize(instanceId: string, size: TerminalSize): Promise<void> {
    if (!isTerminalSize(size)) throw new Ec2Error("InvalidParameterValue", `A terminal of ${size.rows}x${size.cols} is not possible.`);
    return this.#console.resize(instanceId, size);
  }

  /** Runs a shell command in the guest through its agent (as Systems Manager's RunCommand does). */
  async runCommand(instanceId: string, command: string, options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    if (typeof command !== "string" || command.trim().length === 0) throw new Ec2Error("InvalidParameterValue", "The command is empty.");
    return this.#instances.runCommand(instanceId, command, options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  }

  async getInstanceStats(instanceId: string): Promise<InstanceStats> {
    const worker = this.#registry.get(instanceId).runtime.worker;
    if (!worker) return { instructions: 0, runTimeMs: 0, cpuTimeMs: 0, cpuSharePct: 0, running: false, agentGarbageLines: 0 };
    return worker.api.stats();
  }

  /** Ends every instance's worker: for tests and page unload. What the guests wrote last is kept, as a reload keeps it. */
  async shutdownAll(): Promise<void> {
    clearInterval(this.#timers.sampler);
    clearInterval(this.#timers.flusher);
    await this.#workers.close();
    await this.#flushRunning().catch(() => undefined);
    const records = this.#registry.all();
    await Promise.all(records.map((record) => record.runtime.saving));
    this.#saver.close();
    await Promise.all(records.map((record) => this.#transitions.releaseWorker(record)));
    await this.#persistence.close();
  }

  #startTimers(): void {
    const timers = this.#timers;
    timers.sampler ??= unref(setInterval(() => void this.#sampler.sample(), timers.sampleMs));
    timers.flusher ??= unref(setInterval(() => void this.#flushRunning(), timers.flushMs));
  }

  /** Stores running instances' new disk writes and their records (the meter moves on). */
  async #flushRunning(): Promise<void> {
    const running = this.#registry.all().filter(isRunning);
    await Promise.all(
      running.map(async (record) => {
        await this.#disks.flush(record);
        await this.#saver.save(record);
      }),
    );
  }

  #changed(record: InstanceRecord): void {
    this.#emit({ type: "instance-changed", instance: record.instance });
    void this.#saver.save(record);
  }

  #storageChanged(): void {
    this.#emit({ type: "storage-changed" });
  }

  #emit(event: HypervisorEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/** The image files instances boot from besides their volumes: kept while an instance may boot again. */
function bootBlobsOf(records: readonly InstanceRecord[]): Set<string> {
  const blobs = new Set<string>();
  for (const record of records) {
    if (record.instance.state.name === "terminated") continue;
    const files = record.config.image.files;
    for (const file of [files.bios, files.vgaBios, files.kernel]) blobs.add(file.sha256);
  }
  return blobs;
}

/** Under Node, a timer must not keep the process alive. */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
