/**
 * The hypervisor: the page-side coordinator that owns every instance. Its public methods are
 * named after EC2's actions and are the only way anything changes an instance. Plain
 * TypeScript with no DOM: the browser and Node give it their own WorkerHost.
 */
import { transfer } from "comlink";
import type { ExecResult } from "../guest/agentClient.ts";
import { bytesToBase64 } from "../guest/base64.ts";
import type { ImageDescription, ImageRepository, LoadOptions } from "../images/imageRepository.ts";
import type { ImageFileRole, ImageManifest } from "../images/manifest.ts";
import type { Persistence } from "../persistence/persistence.ts";
import type { LabProgressStore } from "../persistence/labProgressStore.ts";
import type { StoredInstance } from "../persistence/database.ts";
import { Ec2Error, toCloudError, unwrap, type CloudError, type Result } from "../shared/errors.ts";
import type { BootSpec, DirtyBlocks, InstanceChannelMessage, InstanceStats, ShutdownOutcome, VolumeSpec } from "../worker/api.ts";
import { ConsoleLog } from "./instances/consoleLog.ts";
import {
  instanceState,
  userInitiated,
  type Instance,
  type InstanceStateChange,
  type InstanceStateName,
  type StateReason,
} from "./instances/instance.ts";
import { isInstanceId, newInstanceId } from "./resourceIds.ts";
import { findInstanceType, INSTANCE_TYPES, type InstanceType } from "./instances/instanceTypes.ts";
import { decide, type LifecycleAction } from "./instances/lifecycle.ts";
import { launchSpec, type RunInstancesRequest } from "./instances/launchSpec.ts";
import { allocateCpu, layTurns } from "./capacity/cpuAllocation.ts";
import { CreditAccount } from "./capacity/cpuCredits.ts";
import { admit, instanceFootprintMib } from "./capacity/memoryBudget.ts";
import { InstanceMeter, type Bill, type MeterState } from "./metering/meter.ts";
import { METRIC_SAMPLES_KEPT, rates, type CounterReading, type MetricSample } from "./metering/monitoring.ts";
import type { WrittenBlocks } from "../disk/blockOverlay.ts";
import { StorageActions, type InstanceFacts } from "./ebs/ebsActions.ts";
import { restoredState } from "./instances/restoredState.ts";
import { DATA_DEVICE, ROOT_DEVICE, VolumeRegistry, type Snapshot, type StorageBill, type Volume } from "./ebs/volumes.ts";
import { instanceKernelCommandLine, isTerminalSize, type TerminalSize } from "./instances/kernelCommandLine.ts";
import type { InstanceWorkerHandle, WorkerHost } from "./platform/workerHost.ts";

export type { RunInstancesRequest };

export interface HostCapacity {
  readonly memoryBudgetMib: number;
  readonly memoryInUseMib: number;
  /** Host CPU the instances may share, in percent of one core (100 per core). */
  readonly cpuBudgetPct: number;
  readonly emulatorOverheadMib: number;
  readonly instances: readonly {
    readonly instanceId: string;
    readonly instanceType: string;
    readonly memoryMib: number;
    readonly footprintMib: number;
    readonly cpuSharePct: number;
    readonly cpuUtilizationPct: number;
  }[];
}

export interface DescribeInstancesRequest {
  readonly instanceIds?: readonly string[];
  /** EC2's filters: instance-state-name, instance-type, instance-id, tag-key, tag:<key>. */
  readonly filters?: readonly { readonly name: string; readonly values: readonly string[] }[];
}

export interface ModifyInstanceAttributeRequest {
  readonly instanceType?: string;
  readonly disableApiTermination?: boolean;
  readonly instanceInitiatedShutdownBehavior?: "stop" | "terminate";
}

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
  readonly storage: Persistence;
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

/** A guest agent that has not answered this long after boot fails the instance status check. */
const AGENT_DEADLINE_MS = 60_000;
/** How often a running instance's agent is asked whether it is alive. */
const AGENT_PING_EVERY_SAMPLES = 10;
/** Disk writes reach storage at least this often while an instance runs. */
const DEFAULT_FLUSH_INTERVAL_MS = 2000;
/** The files an instance boots from besides its root volume. */
const BOOT_ROLES: readonly ImageFileRole[] = ["bios", "vgaBios", "kernel"];
const SETTINGS_KEY = "host-capacity";

interface InstanceRecord {
  instance: Instance;
  readonly image: ImageManifest;
  /** The EBS root volume (null for an instance-store root). */
  rootVolumeId: string | null;
  /** An instance-store root's written blocks: kept across reboots in memory, never stored, gone at termination. */
  instanceStoreBlocks: WrittenBlocks;
  /** Flushes of this instance's disks, one after another. */
  flushing: Promise<void>;
  /** Saves of this instance's record, one after another. */
  saving: Promise<void>;
  /** A save was asked for while one ran: it runs once that one ends. */
  saveQueued: boolean;
  lastFlushOk: boolean;
  /** Bumped by every transition, so a slower one that is overtaken stops where it is. */
  generation: number;
  readonly meter: InstanceMeter;
  credits: CreditAccount | null;
  readonly metrics: MetricSample[];
  lastReading: CounterReading | null;
  cpuSharePct: number;
  /** Where the instance's window starts in each scheduling period, in percent of the period. */
  cpuTurnOffsetPct: number;
  /** Set once the instance first ran: a failed start then leaves it stopped, not terminated. */
  hasRun: boolean;
  /** The saved state of a hibernated instance, to resume at the next start. */
  hibernation: ArrayBuffer | null;
  /** Left to run at the first boot; null once it has run (or when there is none). */
  userData: string | null;
  /** When the current boot's agent must have answered by, for the instance status check. */
  agentDeadline: ReturnType<typeof setTimeout> | null;
  worker: InstanceWorkerHandle | null;
  channel: MessagePort | null;
  readonly console: ConsoleLog;
  readonly consoleListeners: Set<(data: Uint8Array) => void>;
  terminalSize: TerminalSize;
}

export class Hypervisor {
  readonly #workerHost: WorkerHost;
  readonly #images: ImageRepository;
  readonly #storage: Persistence;
  readonly #volumes: VolumeRegistry;
  readonly #storageActions: StorageActions;
  readonly #flushIntervalMs: number;
  #flusher: ReturnType<typeof setInterval> | null = null;
  readonly #dataVolumesInMemory: boolean;
  readonly #instanceLimit: number;
  readonly #stopTimeoutMs: number;
  readonly #terminatedVisibleMs: number;
  #memoryBudgetMib: number;
  #cpuCores: number;
  readonly #sampleIntervalMs: number;
  #sampler: ReturnType<typeof setInterval> | null = null;
  /** One worker started and compiled ahead of need: launches, starts and resumes skip that wait. */
  #spare: InstanceWorkerHandle | null = null;
  readonly #keepSpare: boolean;
  #sampling = false;
  #closed = false;
  #samples = 0;
  readonly #records = new Map<string, InstanceRecord>();
  readonly #listeners = new Set<(event: HypervisorEvent) => void>();

  constructor(options: HypervisorOptions) {
    this.#workerHost = options.workerHost;
    this.#images = options.images;
    this.#storage = options.storage;
    this.#volumes = new VolumeRegistry(options.storage.volumes, options.storage.fleet);
    this.#storageActions = new StorageActions({
      volumes: this.#volumes,
      images: this.#images,
      instance: (instanceId) => this.#instanceFacts(this.#record(instanceId)),
      knownInstance: (instanceId) => {
        const record = this.#records.get(instanceId);
        return record ? this.#instanceFacts(record) : undefined;
      },
      flushWrites: async (instanceId) => {
        const record = this.#records.get(instanceId);
        if (record?.worker) await this.#flush(record);
      },
      describeImages: () => this.describeImages(),
      changed: () => {
        for (const listener of this.#listeners) listener({ type: "storage-changed" });
      },
    });
    this.#flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.#dataVolumesInMemory = options.dataVolumesInMemory ?? false;
    this.#instanceLimit = options.instanceLimit ?? 8;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.#terminatedVisibleMs = options.terminatedVisibleMs ?? 60 * 60 * 1000;
    this.#memoryBudgetMib = options.memoryBudgetMib;
    this.#cpuCores = options.cpuCores;
    this.#sampleIntervalMs = options.sampleIntervalMs ?? 1000;
    this.#keepSpare = options.keepSpareWorker ?? true;
  }

  /** Listens to every change of every instance; returns the function that stops listening. */
  subscribe(listener: (event: HypervisorEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Brings the fleet back as it was kept: settings, volumes, snapshots and instances. Stopped
   * instances stay stopped (hibernated ones resume at their next start); instances that were
   * running boot again from their root volumes, with the reason in their state reason.
   */
  async restore(): Promise<void> {
    const capacity = await this.#storage.fleet.setting<{ memoryBudgetMib?: number; cpuCores?: number }>(SETTINGS_KEY);
    if (capacity?.memoryBudgetMib) this.#memoryBudgetMib = capacity.memoryBudgetMib;
    if (capacity?.cpuCores) this.#cpuCores = capacity.cpuCores;
    await this.#volumes.load();
    const stored = (await this.#storage.fleet.instances()).sort((a, b) => a.instance.launchTime.localeCompare(b.instance.launchTime));
    const toBoot: InstanceRecord[] = [];
    for (const kept of stored) {
      const record = await this.#restoreRecord(kept);
      if (!record) continue;
      this.#records.set(record.instance.instanceId, record);
      if (record.instance.state.name === "pending") toBoot.push(record);
      else this.#emit(record);
    }
    let inUseMib = this.#memoryInUseMib() - toBoot.reduce((sum, record) => sum + instanceFootprintMib(record.instance.memoryMib), 0);
    for (const record of toBoot) {
      const footprint = instanceFootprintMib(record.instance.memoryMib);
      if (inUseMib + footprint > this.#memoryBudgetMib) {
        this.#update(record, {
          state: instanceState("stopped"),
          stateReason: {
            code: "Server.InsufficientInstanceCapacity",
            message: "Server.InsufficientInstanceCapacity: The host's memory budget had no room to boot it again after the reload.",
          },
          statusChecks: { system: "not-applicable", instance: "not-applicable" },
        });
        continue;
      }
      inUseMib += footprint;
      this.#emit(record);
      void this.#boot(record, record.generation);
    }
  }

  async #restoreRecord(kept: StoredInstance): Promise<InstanceRecord | null> {
    const { instance } = kept;
    const type = findInstanceType(instance.instanceType);
    if (!type) return null;
    const meter = InstanceMeter.fromState(kept.meter as MeterState);
    // Whatever ran until the tab went away was billed until the record was last saved.
    meter.endRun(kept.savedAtMs);
    const record: InstanceRecord = {
      ...this.#newRecordParts(),
      instance,
      image: kept.image,
      rootVolumeId: kept.rootVolumeId || null,
      meter,
      credits:
        kept.credits && type.burstable
          ? new CreditAccount(type.burstable, kept.credits.mode, kept.credits.balance, kept.credits.surplus)
          : null,
      userData: kept.userData,
      hasRun: kept.hasRun,
      terminalSize: kept.terminalSize,
    };
    const restored = restoredState(instance, kept.savedAtMs);
    record.instance = restored.instance;
    switch (restored.kind) {
      case "as-kept":
        if (instance.state.name === "stopped") {
          record.hibernation = (await this.#storage.fleet.hibernation(instance.instanceId)) ?? null;
          record.instance = { ...record.instance, hibernated: record.hibernation !== null };
        }
        // A hibernation the reload cut short may have saved a state the record never pointed to.
        if (instance.state.name === "stopping") await this.#storage.fleet.deleteHibernation(instance.instanceId).catch(() => undefined);
        if (restored.instance.state.name === "terminated") this.#forgetLater(record);
        if (restored.instance !== instance) void this.#save(record);
        break;
      case "finish-termination":
        await this.#deleteVolumesOf(record);
        record.meter.deleteVolume(kept.savedAtMs);
        void this.#save(record);
        this.#forgetLater(record);
        break;
      case "lost":
        record.meter.deleteVolume(kept.savedAtMs);
        void this.#save(record);
        this.#forgetLater(record);
        break;
      case "boot":
        break;
    }
    return record;
  }

  /** Parts of a record that start afresh in every session. */
  #newRecordParts() {
    return {
      generation: 0,
      flushing: Promise.resolve(),
      saving: Promise.resolve(),
      saveQueued: false,
      lastFlushOk: false,
      metrics: [] as MetricSample[],
      lastReading: null,
      cpuSharePct: 100,
      cpuTurnOffsetPct: 0,
      hibernation: null as ArrayBuffer | null,
      instanceStoreBlocks: new Map() as WrittenBlocks,
      agentDeadline: null,
      worker: null,
      channel: null,
      console: new ConsoleLog(),
      consoleListeners: new Set<(data: Uint8Array) => void>(),
    };
  }

  /** Where progress through the labs is kept (the lab player's, beside the fleet's). */
  get labProgress(): LabProgressStore {
    return this.#storage.labProgress;
  }

  async describeImages(): Promise<ImageDescription[]> {
    return unwrap(await this.#images.describeImages());
  }

  /** Downloads an image's files into this browser (with progress; cancel with the signal), so it launches offline. */
  async downloadImage(imageId: string, options: LoadOptions = {}): Promise<void> {
    const result = await this.#images.download(imageId, options);
    for (const listener of this.#listeners) listener({ type: "storage-changed" });
    unwrap(result);
  }

  describeInstanceTypes(): readonly InstanceType[] {
    return INSTANCE_TYPES;
  }

  describeInstances(request: DescribeInstancesRequest = {}): Instance[] {
    const instances = request.instanceIds
      ? request.instanceIds.map((id) => this.#record(id).instance)
      : [...this.#records.values()].map((record) => record.instance);
    const filters = request.filters ?? [];
    for (const filter of filters) {
      if (!/^(instance-state-name|instance-type|instance-id|image-id|tag-key|tag:.+)$/.test(filter.name)) {
        throw new Ec2Error(
          "InvalidParameterValue",
          `The filter '${filter.name}' is not supported: use instance-state-name, instance-type, instance-id, image-id, tag-key or tag:<key>.`,
        );
      }
    }
    return instances.filter((instance) =>
      filters.every((filter) => filter.values.some((value) => matchesFilter(instance, filter.name, value))),
    );
  }

  /** Launches instances; they are returned pending and boot in the background, as on EC2. */
  async runInstances(request: RunInstancesRequest = {}): Promise<Instance[]> {
    const images = await this.describeImages();
    const { count, image, type, tags, terminalSize, creditMode, userData, disableApiTermination, instanceInitiatedShutdownBehavior } =
      launchSpec(request, images);
    const live = [...this.#records.values()].filter((record) => record.instance.state.name !== "terminated").length;
    if (live + count > this.#instanceLimit) {
      throw new Ec2Error(
        "InstanceLimitExceeded",
        `You have ${live} instances and asked for ${count} more; the limit is ${this.#instanceLimit}. Terminate one first.`,
      );
    }

    admit(this.#memoryBudgetMib, this.#memoryInUseMib(), type.memoryMib, count, type.name);
    if (request.dryRun === true) throw new Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.");

    const launchTime = new Date().toISOString();
    const described = images.find((candidate) => candidate.imageId === image.imageId);
    const launched: Instance[] = [];
    for (let i = 0; i < count; i++) {
      const instanceId = this.#freshInstanceId();
      // The root volume: the image's disk (and, for an image made here, its snapshot's blocks), deleted on termination.
      const rootVolume =
        image.rootDeviceType === "ebs"
          ? await this.#volumes.create({
              sizeBytes: image.rootVolumeSizeBytes,
              base: { kind: "blob", sha256: image.files.rootVolume.sha256 },
              ...(described?.rootSnapshotId ? { snapshotId: described.rootSnapshotId } : {}),
              attachment: { instanceId, device: ROOT_DEVICE, deleteOnTermination: true },
            })
          : null;
      const instance: Instance = {
        instanceId,
        imageId: image.imageId,
        instanceType: type.name,
        memoryMib: type.memoryMib,
        state: instanceState("pending"),
        stateTransitionReason: "",
        stateReason: null,
        launchTime,
        tags,
        statusChecks: { system: "initializing", instance: "initializing" },
        rootDeviceType: image.rootDeviceType,
        rootDeviceName: "/dev/sda",
        disableApiTermination,
        instanceInitiatedShutdownBehavior,
        cpuCredits: type.burstable ? creditMode : null,
        hibernated: false,
        launchProgress: null,
      };
      const record: InstanceRecord = {
        ...this.#newRecordParts(),
        instance,
        image,
        rootVolumeId: rootVolume?.volumeId ?? null,
        meter: new InstanceMeter(rootVolume ? image.rootVolumeSizeBytes : 0, Date.now()),
        credits: type.burstable ? new CreditAccount(type.burstable, creditMode) : null,
        userData,
        hasRun: false,
        terminalSize,
      };
      this.#records.set(instance.instanceId, record);
      this.#emit(record);
      launched.push(instance);
      void this.#boot(record, record.generation);
    }
    return launched;
  }

  /** Boots stopped instances again from their root volumes; running ones are left as they are. */
  async startInstances(instanceIds: readonly string[]): Promise<InstanceStateChange[]> {
    // Every start must fit before any begins.
    let inUseMib = this.#memoryInUseMib();
    for (const record of this.#recordsFor(instanceIds)) {
      if (record.instance.state.name !== "stopped") continue;
      admit(this.#memoryBudgetMib, inUseMib, record.instance.memoryMib, 1, record.instance.instanceType);
      inUseMib += instanceFootprintMib(record.instance.memoryMib);
    }
    return this.#transition(instanceIds, "start", (record) => {
      const generation = this.#begin(record, {
        state: instanceState("pending"),
        stateReason: null,
        stateTransitionReason: "",
        statusChecks: { system: "initializing", instance: "initializing" },
      });
      void this.#boot(record, generation);
    });
  }

  /**
   * Stops running instances: the guest is asked to power off, and cut off after a timeout
   * (at once with force). Their root volumes are kept for the next start.
   */
  async stopInstances(
    instanceIds: readonly string[],
    options: { force?: boolean; hibernate?: boolean } = {},
  ): Promise<InstanceStateChange[]> {
    const hibernate = options.hibernate ?? false;
    return this.#transition(instanceIds, hibernate ? "hibernate" : "stop", (record) => {
      const reason: StateReason = hibernate
        ? { code: "Client.UserInitiatedHibernate", message: "Client.UserInitiatedHibernate: User initiated hibernate" }
        : { code: "Client.UserInitiatedShutdown", message: "Client.UserInitiatedShutdown: User initiated shutdown" };
      const generation = this.#begin(record, {
        state: instanceState("stopping"),
        stateReason: reason,
        stateTransitionReason: userInitiated(new Date()),
      });
      if (hibernate) return this.#hibernate(record, generation);
      this.#endBilling(record);
      return this.#powerOff(record, generation, options.force ?? false);
    });
  }

  /** Reboots the guest's operating system; the instance stays running, as on EC2. */
  async rebootInstances(instanceIds: readonly string[]): Promise<void> {
    await this.#transition(instanceIds, "reboot", (record) => {
      this.#update(record, { statusChecks: { system: "ok", instance: "initializing" } });
      void this.#call<Result<ShutdownOutcome>>(record, (api) => api.reboot()).catch(() => undefined);
    });
  }

  async terminateInstances(instanceIds: readonly string[]): Promise<InstanceStateChange[]> {
    return this.#transition(instanceIds, "terminate", (record) => {
      const reason: StateReason = {
        code: "Client.UserInitiatedShutdown",
        message: "Client.UserInitiatedShutdown: User initiated shutdown",
      };
      const generation = this.#begin(record, {
        state: instanceState("shutting-down"),
        stateTransitionReason: userInitiated(new Date()),
        stateReason: reason,
      });
      this.#endBilling(record);
      return this.#terminate(record, generation);
    });
  }

  /** Changes an instance's type (only while stopped) or its termination and shutdown attributes. */
  async modifyInstanceAttribute(instanceId: string, request: ModifyInstanceAttributeRequest): Promise<void> {
    const record = this.#record(instanceId);
    const changes: { -readonly [K in keyof Instance]?: Instance[K] } = {};
    if (request.instanceType !== undefined) {
      const type = findInstanceType(request.instanceType);
      if (!type)
        throw new Ec2Error(
          "InvalidParameterValue",
          `The instance type '${request.instanceType}' does not exist. See describeInstanceTypes for the ones offered.`,
        );
      this.#refuseUnless(record, "modifyInstanceType");
      if (record.hibernation) {
        throw new Ec2Error(
          "UnsupportedOperation",
          `The instance '${instanceId}' is hibernated: its saved memory fits only its current type. Start it and stop it (without hibernating) to change its type.`,
        );
      }
      if (type.memoryMib < record.image.minMemoryMib) {
        throw new Ec2Error(
          "InvalidParameterValue",
          `The image ${record.image.name} needs at least ${record.image.minMemoryMib} MiB; ${type.name} has ${type.memoryMib} MiB.`,
        );
      }
      changes.instanceType = type.name;
      changes.memoryMib = type.memoryMib;
      changes.cpuCredits = type.burstable ? (record.instance.cpuCredits ?? "unlimited") : null;
      record.credits = type.burstable ? new CreditAccount(type.burstable, changes.cpuCredits ?? "unlimited") : null;
    }
    if (request.disableApiTermination !== undefined) {
      if (typeof request.disableApiTermination !== "boolean")
        throw new Ec2Error("InvalidParameterValue", "disableApiTermination must be true or false.");
      changes.disableApiTermination = request.disableApiTermination;
    }
    if (request.instanceInitiatedShutdownBehavior !== undefined) {
      if (request.instanceInitiatedShutdownBehavior !== "stop" && request.instanceInitiatedShutdownBehavior !== "terminate") {
        throw new Ec2Error(
          "InvalidParameterValue",
          `instanceInitiatedShutdownBehavior must be 'stop' or 'terminate', not '${String(request.instanceInitiatedShutdownBehavior)}'.`,
        );
      }
      changes.instanceInitiatedShutdownBehavior = request.instanceInitiatedShutdownBehavior;
    }
    if (Object.keys(changes).length === 0) throw new Ec2Error("MissingParameter", "Say which attribute to change.");
    if (record.instance.state.name === "terminated") {
      throw new Ec2Error("IncorrectInstanceState", `The instance '${instanceId}' is terminated; its attributes can no longer change.`);
    }
    this.#update(record, changes);
  }

  // Storage actions (volumes, snapshots, images made or imported here): see storageActions.ts.
  describeVolumes(request: { readonly volumeIds?: readonly string[] } = {}): Volume[] {
    return this.#volumes.describeVolumes(request.volumeIds);
  }
  describeSnapshots(request: { readonly snapshotIds?: readonly string[] } = {}): Snapshot[] {
    return this.#volumes.describeSnapshots(request.snapshotIds);
  }
  createVolume(...args: Parameters<StorageActions["createVolume"]>): Promise<Volume> {
    return this.#storageActions.createVolume(...args);
  }
  attachVolume(volumeId: string, instanceId: string): Promise<Volume> {
    return this.#storageActions.attachVolume(volumeId, instanceId);
  }
  detachVolume(volumeId: string): Promise<Volume> {
    return this.#storageActions.detachVolume(volumeId);
  }
  deleteVolume(volumeId: string): Promise<void> {
    return this.#storageActions.deleteVolume(volumeId);
  }
  createSnapshot(volumeId: string, description?: string): Promise<Snapshot> {
    return this.#storageActions.createSnapshot(volumeId, description);
  }
  deleteSnapshot(snapshotId: string): Promise<void> {
    return this.#storageActions.deleteSnapshot(snapshotId);
  }
  createImage(instanceId: string, request: { readonly name: string; readonly description?: string }): Promise<ImageDescription> {
    return this.#storageActions.createImage(instanceId, request);
  }
  deregisterImage(imageId: string): Promise<{ freedBytes: number }> {
    return this.#storageActions.deregisterImage(imageId);
  }
  importImage(...args: Parameters<StorageActions["importImage"]>): Promise<ImageDescription> {
    return this.#storageActions.importImage(...args);
  }
  exportVolume(volumeId: string): Promise<Uint8Array> {
    return this.#storageActions.exportVolume(volumeId);
  }
  importVolume(bytes: Uint8Array, request: { readonly name?: string } = {}): Promise<Volume> {
    return this.#storageActions.importVolume(bytes, request);
  }
  getStorageBill(): StorageBill {
    return this.#storageActions.getStorageBill();
  }

  #instanceFacts(record: InstanceRecord): InstanceFacts {
    return {
      instanceId: record.instance.instanceId,
      state: record.instance.state.name,
      hibernated: record.hibernation !== null,
      rootVolumeId: record.rootVolumeId,
      image: record.image,
    };
  }

  /** The host's memory and CPU budgets and what each live instance holds of them. */
  describeHostCapacity(): HostCapacity {
    const live = [...this.#records.values()].filter((record) => holdsMemory(record.instance.state.name));
    return {
      memoryBudgetMib: this.#memoryBudgetMib,
      memoryInUseMib: this.#memoryInUseMib(),
      cpuBudgetPct: this.#cpuCores * 100,
      emulatorOverheadMib: instanceFootprintMib(0),
      instances: live.map((record) => ({
        instanceId: record.instance.instanceId,
        instanceType: record.instance.instanceType,
        memoryMib: record.instance.memoryMib,
        footprintMib: instanceFootprintMib(record.instance.memoryMib),
        cpuSharePct: record.instance.state.name === "running" ? record.cpuSharePct : 0,
        cpuUtilizationPct: record.metrics.at(-1)?.cpuUtilizationPct ?? 0,
      })),
    };
  }

  /** Changes the host's budgets. A smaller memory budget affects only later launches and starts. */
  async setHostCapacity(capacity: { memoryBudgetMib?: number; cpuCores?: number }): Promise<void> {
    const { memoryBudgetMib, cpuCores } = capacity;
    if (memoryBudgetMib !== undefined && (!Number.isFinite(memoryBudgetMib) || memoryBudgetMib < 64 || memoryBudgetMib > 1024 * 1024)) {
      throw new Ec2Error("InvalidParameterValue", `A memory budget of ${memoryBudgetMib} MiB is not possible: give 64 MiB or more.`);
    }
    if (cpuCores !== undefined && (!Number.isFinite(cpuCores) || cpuCores <= 0 || cpuCores > 256)) {
      throw new Ec2Error("InvalidParameterValue", `A CPU budget of ${cpuCores} cores is not possible: give a number above 0.`);
    }
    if (memoryBudgetMib !== undefined) this.#memoryBudgetMib = Math.round(memoryBudgetMib);
    if (cpuCores !== undefined) this.#cpuCores = cpuCores;
    await this.#storage.fleet
      .putSetting(SETTINGS_KEY, { memoryBudgetMib: this.#memoryBudgetMib, cpuCores: this.#cpuCores })
      .catch(() => undefined);
    await this.#reschedule();
    for (const listener of this.#listeners) listener({ type: "metrics-updated" });
  }

  /** The saved state of a hibernated instance, or null when it has none. */
  describeHibernation(instanceId: string): { stateBytes: number } | null {
    const hibernation = this.#record(instanceId).hibernation;
    return hibernation ? { stateBytes: hibernation.byteLength } : null;
  }

  /** CloudWatch-style samples of the instance's CPU, oldest first (five minutes at most). */
  getMetricData(instanceId: string): readonly MetricSample[] {
    return this.#record(instanceId).metrics;
  }

  /** What the instance has cost so far. */
  getInstanceBill(instanceId: string): Bill {
    return this.#record(instanceId).meter.bill(Date.now());
  }

  /** EC2's GetConsoleOutput: the newest 64 KiB the instance wrote to its serial console. */
  getConsoleOutput(instanceId: string): { instanceId: string; output: string; timestamp: string } {
    const record = this.#record(instanceId);
    return { instanceId, output: record.console.text(), timestamp: new Date().toISOString() };
  }

  /** Receives what the instance writes to its console from now on; returns the function that stops it. */
  onConsoleOutput(instanceId: string, listener: (data: Uint8Array) => void): () => void {
    const record = this.#record(instanceId);
    record.consoleListeners.add(listener);
    return () => record.consoleListeners.delete(listener);
  }

  /** Types into the instance's serial console. */
  async sendConsoleInput(instanceId: string, data: string): Promise<void> {
    const record = this.#runningRecord(instanceId, "type into");
    await record.worker?.api.sendConsoleInput(data);
  }

  /** Runs a shell command in the guest through its agent (as Systems Manager's RunCommand does). */
  async runCommand(instanceId: string, command: string, options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    if (typeof command !== "string" || command.trim().length === 0) throw new Ec2Error("InvalidParameterValue", "The command is empty.");
    const record = this.#runningRecord(instanceId, "run a command on");
    if (record.instance.statusChecks.instance !== "ok") {
      throw new Ec2Error("IncorrectInstanceState", `The instance ${instanceId} is still booting: its guest agent has not answered yet.`);
    }
    return unwrap(await this.#call<Result<ExecResult>>(record, (api) => api.exec(command, options.timeoutMs ?? 30_000)));
  }

  /** Tells the guest its console's size; kept for the next boot too. */
  async setTerminalSize(instanceId: string, size: TerminalSize): Promise<void> {
    if (!isTerminalSize(size)) throw new Ec2Error("InvalidParameterValue", `A terminal of ${size.rows}x${size.cols} is not possible.`);
    const record = this.#record(instanceId);
    record.terminalSize = size;
    if (record.instance.state.name === "running" && record.instance.statusChecks.instance === "ok") {
      unwrap(await this.#call<Result<void>>(record, (api) => api.setTerminalSize(size.rows, size.cols)));
    }
  }

  async getInstanceStats(instanceId: string): Promise<InstanceStats> {
    const record = this.#record(instanceId);
    const worker = record.worker;
    if (!worker) return { instructions: 0, runTimeMs: 0, cpuTimeMs: 0, cpuSharePct: 0, running: false, agentGarbageLines: 0 };
    return worker.api.stats();
  }

  /** Ends every instance's worker: for tests and page unload. */
  async shutdownAll(): Promise<void> {
    if (this.#sampler !== null) clearInterval(this.#sampler);
    this.#sampler = null;
    if (this.#flusher !== null) clearInterval(this.#flusher);
    this.#flusher = null;
    const spare = this.#spare;
    this.#spare = null;
    await spare?.terminate();
    // What the running guests wrote last is kept, as a reload would keep it.
    await this.#flushRunning().catch(() => undefined);
    await Promise.all([...this.#records.values()].map((record) => record.saving));
    this.#closed = true;
    await Promise.all([...this.#records.values()].map((record) => this.#releaseWorker(record)));
    await this.#storage.close();
  }

  async #boot(record: InstanceRecord, generation: number): Promise<void> {
    const { instanceId } = record.instance;
    const image = record.image;
    const current = () => record.generation === generation;
    let disks: { boot: Record<ImageFileRole, ArrayBuffer>; root: VolumeSpec | null; data: VolumeSpec | null };
    try {
      disks = await this.#bootFiles(record, (progress) => current() && this.#update(record, { launchProgress: progress }));
    } catch (error) {
      if (!current()) return;
      this.#update(record, { launchProgress: null });
      const cloudError = toCloudError(error, "InstanceBootFailure");
      return record.hasRun ? this.#failStart(record, cloudError) : this.#failLaunch(record, cloudError);
    }
    if (!current()) return;
    if (record.instance.launchProgress) this.#update(record, { launchProgress: null });

    const worker = this.#takeWorker(instanceId);
    record.worker = worker;
    worker.onCrash((reason) =>
      this.#onWorkerLost(record, { code: "InstanceBootFailure", message: `The instance's worker stopped: ${reason}` }),
    );
    const channel = new MessageChannel();
    record.channel = channel.port1;
    channel.port1.onmessage = (event: MessageEvent<InstanceChannelMessage>) => this.#onChannelMessage(record, event.data);
    const files = disks.boot;
    const spec: BootSpec = {
      instanceId,
      memoryMib: record.instance.memoryMib,
      kernelCommandLine: instanceKernelCommandLine(image.kernelCommandLine, instanceId, record.terminalSize),
      bios: files.bios,
      vgaBios: files.vgaBios,
      kernel: files.kernel,
      // The image's disk is shared by every instance; each keeps only the blocks it wrote.
      rootVolume: disks.root ?? { base: files.rootVolume, sizeBytes: image.rootVolumeSizeBytes, writtenBlocks: record.instanceStoreBlocks },
      ...(disks.data ? { dataVolume: disks.data } : {}),
      channel: channel.port2,
      ...(record.hibernation ? { hibernation: record.hibernation } : {}),
    };
    const resuming = record.hibernation !== null;
    let booted;
    try {
      booted = await worker.api.boot(transfer(spec, [channel.port2]));
    } catch (error) {
      booted = { ok: false as const, error: toCloudError(error, "InstanceBootFailure") };
    }
    if (!current()) return;
    if (!booted.ok) {
      if (record.instance.state.name === "running") return this.#onWorkerLost(record, booted.error);
      return record.hasRun ? this.#failStart(record, booted.error) : this.#failLaunch(record, booted.error);
    }
    record.hasRun = true;
    record.meter.startRun(this.#typeOf(record).pricePerHourUsd, Date.now());
    record.lastReading = null;
    if (resuming) void this.#storage.fleet.deleteHibernation(instanceId).catch(() => undefined);
    record.hibernation = null;
    // A resumed guest's agent is already up: it will not say ready again.
    this.#update(record, {
      state: instanceState("running"),
      hibernated: false,
      statusChecks: { system: "ok", instance: resuming ? "ok" : "initializing" },
    });
    if (!resuming) this.#watchAgent(record, generation);
    this.#ensureSampler();
    await this.#reschedule();
  }

  /**
   * What the emulator boots from: the image's boot files and the instance's volumes, from this
   * browser; the first launch of an image downloads it (with progress) and keeps it.
   */
  async #bootFiles(
    record: InstanceRecord,
    onProgress: NonNullable<LoadOptions["onProgress"]>,
  ): Promise<{ boot: Record<ImageFileRole, ArrayBuffer>; root: VolumeSpec | null; data: VolumeSpec | null }> {
    const root = record.rootVolumeId ? this.#volumes.stored(record.rootVolumeId) : null;
    const data = this.#volumes.attachedAt(record.instance.instanceId, DATA_DEVICE) ?? null;
    const baseShas = [root, data].flatMap((volume) => (volume?.base.kind === "blob" ? [volume.base.sha256] : []));
    // An instance-store root reads from the image's disk file too.
    if (!root) baseShas.push(record.image.files.rootVolume.sha256);
    const roles: readonly ImageFileRole[] = root ? BOOT_ROLES : [...BOOT_ROLES, "rootVolume"];
    let boot = await this.#images.files(record.image, roles);
    const basesHeld = async () => (await Promise.all(baseShas.map((sha) => this.#images.blob(sha)))).every((bytes) => bytes !== undefined);
    if (!boot.ok || !(await basesHeld())) {
      const downloaded = await this.#images.download(record.image.imageId, { onProgress });
      for (const listener of this.#listeners) listener({ type: "storage-changed" });
      unwrap(downloaded);
      boot = await this.#images.files(record.image, roles);
    }
    const spec = async (volume: typeof root): Promise<VolumeSpec | null> => {
      if (!volume) return null;
      const base = volume.base.kind === "blob" ? await this.#images.blob(volume.base.sha256) : null;
      if (volume.base.kind === "blob" && !base) {
        throw new Ec2Error(
          "InvalidAMIID.Unavailable",
          `The volume ${volume.volumeId} reads from an image file that is no longer in this browser.`,
        );
      }
      return { base: base ?? null, sizeBytes: volume.sizeBytes, writtenBlocks: await this.#volumes.blocks(volume.volumeId) };
    };
    const dataSpec = await spec(data);
    return {
      boot: unwrap(boot).files,
      root: await spec(root),
      data: dataSpec && this.#dataVolumesInMemory ? { ...dataSpec, inMemory: true } : dataSpec,
    };
  }

  /** The instance status check fails if the guest agent has not said ready in time. */
  #watchAgent(record: InstanceRecord, generation: number): void {
    if (record.agentDeadline !== null) clearTimeout(record.agentDeadline);
    record.agentDeadline = setTimeout(() => {
      record.agentDeadline = null;
      if (record.generation !== generation || record.instance.state.name !== "running") return;
      this.#update(record, { statusChecks: { system: record.instance.statusChecks.system, instance: "impaired" } });
    }, AGENT_DEADLINE_MS);
    (record.agentDeadline as { unref?: () => void }).unref?.();
  }

  /**
   * Runs the launch's user data once, at the first boot, as cloud-init does on EC2: its output
   * goes to the serial console (so getConsoleOutput has it) and to /var/log/user-data.log.
   */
  async #runUserData(record: InstanceRecord): Promise<void> {
    const script = record.userData ?? "";
    record.userData = null;
    const encoded = bytesToBase64(new TextEncoder().encode(script));
    const command = [
      "mkdir -p /var/lib/tabcloud /var/log",
      `echo '${encoded}' | base64 -d > /var/lib/tabcloud/user-data`,
      "chmod 700 /var/lib/tabcloud/user-data",
      "echo 'user-data: running /var/lib/tabcloud/user-data' > /dev/console",
      "if head -c 2 /var/lib/tabcloud/user-data | grep -q '^#!'; then run=/var/lib/tabcloud/user-data; else run='sh /var/lib/tabcloud/user-data'; fi",
      "$run > /var/log/user-data.log 2>&1; code=$?",
      "sed 's/^/user-data: /' /var/log/user-data.log > /dev/console",
      'echo "user-data: finished with exit code $code" > /dev/console',
    ].join("\n");
    try {
      await this.#call<Result<ExecResult>>(record, (api) => api.exec(command, 300_000));
    } catch {
      // Its output, or the lack of it, is on the console; the instance runs on regardless.
    }
    if (record.instance.state.name === "running") this.#update(record, { statusChecks: { system: "ok", instance: "ok" } });
  }

  /**
   * Saves the whole emulator (memory, devices, written disk blocks) and ends stopped; the next
   * start resumes it. Compute is billed while stopping, as EC2 bills a hibernating instance.
   */
  async #hibernate(record: InstanceRecord, generation: number): Promise<void> {
    let saved = false;
    try {
      const hibernation = await record.worker?.api.hibernate();
      if (hibernation?.ok && (await this.#keepVolume(record, generation))) {
        await this.#storage.fleet.putHibernation(record.instance.instanceId, hibernation.value.state);
        record.hibernation = hibernation.value.state;
        saved = true;
      }
    } catch {
      // Not saved: the instance stops as if cut off, and boots afresh from its volume.
    }
    if (record.generation !== generation) return;
    this.#endBilling(record);
    await this.#endStopped(
      record,
      generation,
      saved
        ? { hibernated: true }
        : {
            stateReason: {
              code: "Server.InternalError",
              message: "Server.InternalError: The instance could not be hibernated and was stopped; it will boot afresh.",
            },
          },
    );
  }

  /** Brings the guest down and keeps its root volume; ends stopped unless overtaken. */
  async #powerOff(record: InstanceRecord, generation: number, force: boolean): Promise<void> {
    try {
      await record.worker?.api.powerOff({ timeoutMs: this.#stopTimeoutMs, force });
      await this.#keepVolume(record, generation);
    } catch {
      // A worker that died while stopping leaves the volume as it was at the last boot.
    }
    await this.#endStopped(record, generation, {});
  }

  /**
   * Stores the last writes of the stopped emulator for the next boot; true when kept. A worker
   * that cannot give them leaves the volume as it was at the last flush.
   */
  async #keepVolume(record: InstanceRecord, generation: number): Promise<boolean> {
    await this.#flush(record);
    return record.generation === generation && record.lastFlushOk;
  }

  /**
   * Stores what the instance's guest wrote since the last flush. Flushes of one instance run one
   * after another, so storage always holds the disk as of one instant.
   */
  #flush(record: InstanceRecord): Promise<void> {
    record.flushing = record.flushing.then(async () => {
      const worker = record.worker;
      if (!worker) return;
      let dirty: Result<DirtyBlocks>;
      try {
        dirty = await worker.api.takeDirtyBlocks();
      } catch {
        record.lastFlushOk = false;
        return;
      }
      if (!dirty.ok) {
        record.lastFlushOk = false;
        return;
      }
      const data = this.#volumes.attachedAt(record.instance.instanceId, DATA_DEVICE);
      try {
        if (record.rootVolumeId) await this.#volumes.flush(record.rootVolumeId, dirty.value.root);
        else for (const [index, block] of dirty.value.root) record.instanceStoreBlocks.set(index, block);
        if (data && dirty.value.data) await this.#volumes.flush(data.volumeId, dirty.value.data);
        record.lastFlushOk = true;
      } catch (error) {
        record.lastFlushOk = false;
        this.#update(record, {
          stateReason: { code: "Server.InternalError", message: `Server.InternalError: ${toCloudError(error).message}` },
        });
      }
    });
    return record.flushing;
  }

  /** Frees the emulator and ends stopped, unless another transition has overtaken this one. */
  async #endStopped(record: InstanceRecord, generation: number, changes: Partial<Instance>): Promise<void> {
    if (record.generation !== generation) return;
    await this.#releaseWorker(record);
    if (record.generation !== generation) return;
    this.#update(record, {
      ...changes,
      state: instanceState("stopped"),
      statusChecks: { system: "not-applicable", instance: "not-applicable" },
    });
    await this.#reschedule();
  }

  /**
   * The guest rebooted (its volume is clean and its emulator stopped): boot it again from the
   * same root volume in a fresh emulator. The instance stays running, as a reboot does on EC2.
   */
  async #restartEmulator(record: InstanceRecord): Promise<void> {
    if (record.instance.state.name !== "running") return;
    const generation = this.#begin(record, { statusChecks: { system: "ok", instance: "initializing" } });
    await this.#keepVolume(record, generation).catch(() => false);
    if (record.generation !== generation) return;
    await this.#releaseWorker(record);
    if (record.generation !== generation) return;
    await this.#boot(record, generation);
  }

  async #terminate(record: InstanceRecord, generation: number): Promise<void> {
    await this.#releaseWorker(record);
    if (record.generation !== generation) return;
    await this.#deleteVolumesOf(record).catch(() => undefined);
    if (record.generation !== generation) return;
    record.hibernation = null;
    record.instanceStoreBlocks = new Map();
    record.meter.deleteVolume(Date.now());
    this.#update(record, {
      state: instanceState("terminated"),
      hibernated: false,
      statusChecks: { system: "not-applicable", instance: "not-applicable" },
    });
    this.#forgetLater(record);
  }

  /** DeleteOnTermination: volumes that go with the instance are deleted, the others detached. */
  async #deleteVolumesOf(record: InstanceRecord): Promise<void> {
    const instanceId = record.instance.instanceId;
    await this.#storage.fleet.deleteHibernation(instanceId);
    for (const volume of this.#volumes.describeVolumes()) {
      const attachment = volume.attachments[0];
      if (attachment?.instanceId !== instanceId) continue;
      if (attachment.deleteOnTermination) await this.#volumes.deleteWithInstance(volume.volumeId);
      else await this.#volumes.setAttachment(volume.volumeId, null);
    }
  }

  #onChannelMessage(record: InstanceRecord, message: InstanceChannelMessage): void {
    switch (message.type) {
      case "console":
        record.console.append(message.data);
        for (const listener of record.consoleListeners) listener(message.data);
        break;
      case "agent-ready":
        if (record.agentDeadline !== null) clearTimeout(record.agentDeadline);
        record.agentDeadline = null;
        if (record.instance.state.name !== "running") break;
        if (record.userData !== null) void this.#runUserData(record);
        else this.#update(record, { statusChecks: { system: "ok", instance: "ok" } });
        break;
      case "guest-shutdown":
        void this.#onGuestShutdown(record);
        break;
      case "guest-reboot":
        void this.#restartEmulator(record);
        break;
      case "emulator-error":
        this.#onWorkerLost(record, message.error);
        break;
    }
  }

  /** poweroff inside the guest: the instance's InstanceInitiatedShutdownBehavior says stop or terminate. */
  #onGuestShutdown(record: InstanceRecord): void {
    if (record.instance.state.name !== "running") return;
    const reason: StateReason = {
      code: "Client.InstanceInitiatedShutdown",
      message: "Client.InstanceInitiatedShutdown: Instance initiated shutdown",
    };
    const changes = { stateReason: reason, stateTransitionReason: userInitiated(new Date()) };
    if (record.instance.instanceInitiatedShutdownBehavior === "terminate" || record.instance.rootDeviceType === "instance-store") {
      const generation = this.#begin(record, { ...changes, state: instanceState("shutting-down") });
      this.#endBilling(record);
      void this.#terminate(record, generation);
    } else {
      const generation = this.#begin(record, { ...changes, state: instanceState("stopping") });
      this.#endBilling(record);
      void this.#powerOff(record, generation, false);
    }
  }

  /** A start that failed leaves the instance stopped with its volume; a saved state that failed to resume is dropped. */
  #failStart(record: InstanceRecord, error: CloudError): void {
    void this.#releaseWorker(record);
    record.generation++;
    if (record.hibernation) void this.#storage.fleet.deleteHibernation(record.instance.instanceId).catch(() => undefined);
    record.hibernation = null;
    this.#update(record, {
      state: instanceState("stopped"),
      hibernated: false,
      stateReason: { code: "Server.InternalError", message: `Server.InternalError: ${error.code}: ${error.message}` },
      statusChecks: { system: "not-applicable", instance: "not-applicable" },
    });
  }

  #failLaunch(record: InstanceRecord, error: CloudError): void {
    record.hibernation = null;
    void this.#releaseWorker(record);
    record.generation++;
    this.#endBilling(record);
    record.meter.deleteVolume(Date.now());
    this.#forgetLater(record);
    this.#update(record, {
      state: instanceState("terminated"),
      stateReason: { code: "Server.InternalError", message: `Server.InternalError: ${error.code}: ${error.message}` },
      statusChecks: { system: "impaired", instance: "impaired" },
    });
  }

  /** The emulator or its worker died: a launch that was pending fails; a running instance is impaired. */
  #onWorkerLost(record: InstanceRecord, error: CloudError): void {
    const state: InstanceStateName = record.instance.state.name;
    if (state === "pending") return this.#failLaunch(record, error);
    if (state !== "running") return;
    void this.#releaseWorker(record);
    this.#update(record, {
      stateReason: { code: "Server.InternalError", message: `Server.InternalError: ${error.message}` },
      statusChecks: { system: "impaired", instance: "impaired" },
    });
  }

  async #releaseWorker(record: InstanceRecord): Promise<void> {
    const worker = record.worker;
    record.worker = null;
    record.channel?.close();
    record.channel = null;
    if (!worker) return;
    await worker.terminate();
  }

  async #call<T>(record: InstanceRecord, call: (api: InstanceWorkerHandle["api"]) => Promise<T>): Promise<T> {
    const worker = record.worker;
    if (!worker) throw new Ec2Error("IncorrectInstanceState", `The instance ${record.instance.instanceId} has no running emulator.`);
    try {
      return await call(worker.api);
    } catch (error) {
      throw Ec2Error.from(toCloudError(error));
    }
  }

  /**
   * Checks every instance first and changes nothing when one refuses; then acts on each and
   * waits for what the actions return. The changes report each instance's state at the end.
   */
  async #transition(
    instanceIds: readonly string[],
    action: LifecycleAction,
    act: (record: InstanceRecord) => Promise<void> | void,
  ): Promise<InstanceStateChange[]> {
    const records = this.#recordsFor(instanceIds);
    const decisions = records.map((record) => this.#refuseUnless(record, action));
    const previous = records.map((record) => record.instance.state);
    await Promise.all(records.map((record, i) => (decisions[i] === "proceed" ? act(record) : undefined)));
    return records.map((record, i) => ({
      instanceId: record.instance.instanceId,
      previousState: previous[i] as Instance["state"],
      currentState: record.instance.state,
    }));
  }

  #refuseUnless(record: InstanceRecord, action: LifecycleAction): "proceed" | "no-op" {
    const decision = decide(action, record.instance);
    if (decision.kind === "refuse") throw new Ec2Error(decision.code, decision.message);
    return decision.kind;
  }

  /** Starts a transition: later steps of older ones see the generation change and stop. */
  #begin(record: InstanceRecord, changes: Partial<Instance>): number {
    record.generation++;
    this.#update(record, changes);
    return record.generation;
  }

  #forgetLater(record: InstanceRecord): void {
    const timer = setTimeout(() => {
      if (record.instance.state.name !== "terminated") return;
      this.#records.delete(record.instance.instanceId);
      void this.#storage.fleet.deleteInstance(record.instance.instanceId).catch(() => undefined);
      for (const listener of this.#listeners) listener({ type: "instance-removed", instanceId: record.instance.instanceId });
    }, this.#terminatedVisibleMs);
    // Under Node, a pending removal must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
  }

  #takeWorker(instanceId: string): InstanceWorkerHandle {
    const spare = this.#spare;
    this.#spare = null;
    queueMicrotask(() => this.#warmSpare());
    return spare ?? this.#workerHost.spawn(instanceId);
  }

  #warmSpare(): void {
    if (this.#spare || this.#closed || !this.#keepSpare) return;
    const spare = this.#workerHost.spawn("spare");
    this.#spare = spare;
    spare.onCrash(() => {
      if (this.#spare === spare) this.#spare = null;
    });
    void spare.api.prepare().catch(() => undefined);
  }

  #typeOf(record: InstanceRecord): InstanceType {
    const type = findInstanceType(record.instance.instanceType);
    if (!type) throw new Error(`unknown instance type ${record.instance.instanceType}`);
    return type;
  }

  #memoryInUseMib(): number {
    let total = 0;
    for (const record of this.#records.values()) {
      if (holdsMemory(record.instance.state.name)) total += instanceFootprintMib(record.instance.memoryMib);
    }
    return total;
  }

  /** Compute billing ends as the instance leaves running; surplus credits are settled then. */
  #endBilling(record: InstanceRecord): void {
    record.meter.endRun(Date.now());
    if (record.credits) record.meter.chargeSurplusCredits(record.credits.settleSurplus());
  }

  #ensureSampler(): void {
    if (this.#sampler === null) {
      this.#sampler = setInterval(() => void this.#sample(), this.#sampleIntervalMs);
      (this.#sampler as { unref?: () => void }).unref?.();
    }
    if (this.#flusher === null) {
      this.#flusher = setInterval(() => void this.#flushRunning(), this.#flushIntervalMs);
      (this.#flusher as { unref?: () => void }).unref?.();
    }
  }

  /** Stores running instances' new disk writes and their records (the meter moves on). */
  async #flushRunning(): Promise<void> {
    const running = [...this.#records.values()].filter((record) => record.instance.state.name === "running" && record.worker);
    await Promise.all(
      running.map(async (record) => {
        await this.#flush(record);
        await this.#save(record);
      }),
    );
  }

  /** Reads every running emulator's counters: utilisation, speed, credits; then re-divides the CPU. */
  async #sample(): Promise<void> {
    if (this.#sampling) return;
    this.#sampling = true;
    try {
      const running = [...this.#records.values()].filter((record) => record.instance.state.name === "running" && record.worker);
      await Promise.all(
        running.map(async (record) => {
          let stats: InstanceStats;
          try {
            stats = await (record.worker as InstanceWorkerHandle).api.stats();
          } catch {
            return;
          }
          const reading: CounterReading = { wallMs: performance.now(), cpuTimeMs: stats.cpuTimeMs, instructions: stats.instructions };
          const previous = record.lastReading;
          record.lastReading = reading;
          if (!previous || reading.cpuTimeMs < previous.cpuTimeMs) return;
          const { cpuUtilizationPct, instructionsPerSecond, seconds } = rates(previous, reading);
          record.credits?.record(seconds, cpuUtilizationPct);
          record.metrics.push({
            timestamp: Date.now(),
            cpuUtilizationPct,
            instructionsPerSecond,
            cpuSharePct: record.cpuSharePct,
            cpuCreditBalance: record.credits?.balance ?? null,
            cpuSurplusCredits: record.credits ? record.credits.surplus : null,
          });
          if (record.metrics.length > METRIC_SAMPLES_KEPT) record.metrics.splice(0, record.metrics.length - METRIC_SAMPLES_KEPT);
        }),
      );
      await this.#reschedule();
      if (++this.#samples % AGENT_PING_EVERY_SAMPLES === 0) await Promise.all(running.map((record) => this.#checkAgent(record)));
      for (const listener of this.#listeners) listener({ type: "metrics-updated" });
    } finally {
      this.#sampling = false;
    }
  }

  /** The instance status check: does the guest agent of a booted instance still answer? */
  async #checkAgent(record: InstanceRecord): Promise<void> {
    const before = record.instance.statusChecks.instance;
    if (before === "initializing" || !record.worker) return;
    let alive = false;
    try {
      alive = (await record.worker.api.ping()).ok;
    } catch {
      alive = false;
    }
    if (record.instance.state.name !== "running") return;
    const now = alive ? "ok" : "impaired";
    if (now !== record.instance.statusChecks.instance)
      this.#update(record, { statusChecks: { system: record.instance.statusChecks.system, instance: now } });
  }

  /** Divides the CPU budget among running instances by weight, within their caps and credits. */
  async #reschedule(): Promise<void> {
    const running = [...this.#records.values()].filter((record) => record.instance.state.name === "running" && record.worker);
    const shares = allocateCpu(
      this.#cpuCores * 100,
      running.map((record) => {
        const type = this.#typeOf(record);
        return {
          id: record.instance.instanceId,
          weight: type.cpuWeight,
          capPct: record.credits ? record.credits.capPct(type.cpuCapPct, this.#sampleIntervalMs / 1000) : type.cpuCapPct,
        };
      }),
    );
    const turns = layTurns(shares);
    await Promise.all(
      running.map(async (record) => {
        const turn = turns.get(record.instance.instanceId) ?? { sharePct: 100, offsetPct: 0 };
        if (
          Math.abs(turn.sharePct - record.cpuSharePct) < 0.01 &&
          Math.abs(turn.offsetPct - record.cpuTurnOffsetPct) < 0.01 &&
          record.lastReading
        )
          return;
        record.cpuSharePct = turn.sharePct;
        record.cpuTurnOffsetPct = turn.offsetPct;
        await record.worker?.api.setCpuShare(turn.sharePct, turn.offsetPct).catch(() => undefined);
      }),
    );
  }

  #freshInstanceId(): string {
    let id = newInstanceId();
    while (this.#records.has(id)) id = newInstanceId();
    return id;
  }

  #record(instanceId: string): InstanceRecord {
    if (!isInstanceId(instanceId))
      throw new Ec2Error("InvalidInstanceID.Malformed", `Invalid id: '${String(instanceId)}' (expected i- and 17 hex digits).`);
    const record = this.#records.get(instanceId);
    if (!record) throw new Ec2Error("InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist.`);
    return record;
  }

  #recordsFor(instanceIds: readonly string[]): InstanceRecord[] {
    if (!Array.isArray(instanceIds) || instanceIds.length === 0) throw new Ec2Error("MissingParameter", "Give at least one instance id.");
    return instanceIds.map((id) => this.#record(id));
  }

  #runningRecord(instanceId: string, action: string): InstanceRecord {
    const record = this.#record(instanceId);
    const state = record.instance.state.name;
    if (state !== "running") {
      throw new Ec2Error("IncorrectInstanceState", `Cannot ${action} the instance ${instanceId}: it is ${state}, not running.`);
    }
    if (!record.worker) {
      throw new Ec2Error(
        "IncorrectInstanceState",
        `Cannot ${action} the instance ${instanceId}: its emulator is not running (see its status checks). Reboot or stop it.`,
      );
    }
    return record;
  }

  #update(record: InstanceRecord, changes: Partial<Instance>): void {
    record.instance = { ...record.instance, ...changes };
    this.#emit(record);
  }

  #emit(record: InstanceRecord): void {
    const event: HypervisorEvent = { type: "instance-changed", instance: record.instance };
    for (const listener of this.#listeners) listener(event);
    void this.#save(record);
  }

  /** Keeps the instance's record in storage; saves asked for while one runs collapse into one. */
  #save(record: InstanceRecord): Promise<void> {
    if (this.#closed) return record.saving;
    if (record.saveQueued) return record.saving;
    record.saveQueued = true;
    record.saving = record.saving.then(async () => {
      record.saveQueued = false;
      if (!this.#records.has(record.instance.instanceId) && record.instance.state.name === "terminated") return;
      try {
        await this.#storage.fleet.putInstance(this.#stored(record));
      } catch {
        // Kept in memory; the next change tries again.
      }
    });
    return record.saving;
  }

  #stored(record: InstanceRecord): StoredInstance {
    return {
      instance: record.instance,
      image: record.image,
      rootVolumeId: record.rootVolumeId ?? "",
      userData: record.userData,
      hasRun: record.hasRun,
      terminalSize: record.terminalSize,
      meter: record.meter.toState(),
      credits: record.credits ? { balance: record.credits.balance, surplus: record.credits.surplus, mode: record.credits.mode } : null,
      savedAtMs: Date.now(),
    };
  }
}

function matchesFilter(instance: Instance, name: string, value: string): boolean {
  switch (name) {
    case "instance-state-name":
      return instance.state.name === value;
    case "instance-type":
      return instance.instanceType === value;
    case "instance-id":
      return instance.instanceId === value;
    case "image-id":
      return instance.imageId === value;
    case "tag-key":
      return instance.tags.some((tag) => tag.key === value);
    default: {
      const key = name.slice("tag:".length);
      return instance.tags.some((tag) => tag.key === key && tag.value === value);
    }
  }
}

/** States in which an instance's emulator holds (or is about to hold) host memory. */
function holdsMemory(state: InstanceStateName): boolean {
  return state === "pending" || state === "running" || state === "stopping" || state === "shutting-down";
}
