/**
 * The hypervisor: the page-side coordinator that owns every instance. Its public methods are
 * named after EC2's actions and are the only way anything changes an instance, volume or image;
 * each delegates to the module that owns the resource (see README.md beside this file). Plain
 * TypeScript with no DOM: the browser and Node give it their own WorkerHost.
 */
import type { ExecResult } from "../guest/agentClient.ts";
import { Ec2Error } from "../shared/errors.ts";
import type { ImageDescription, LoadOptions } from "../images/imageRepository.ts";
import type { Persistence } from "../persistence/persistence.ts";
import type { InstanceStats, StatsOptions } from "../worker/api.ts";
import type { HostBudgets, HostCapacity } from "./capacity/hostCapacity.ts";
import type { ServiceQuota } from "./capacity/instanceQuota.ts";
import type { Snapshot, StorageBill, Volume } from "./ebs/volumes.ts";
import type { ConsoleOutput } from "./instances/console.ts";
import { filterInstances } from "./instances/describe.ts";
import { callEach } from "./listeners.ts";
import type { Instance, InstanceStateChange } from "./instances/instance.ts";
import { DEFAULT_INSTANCE_TYPE, INSTANCE_TYPES, type InstanceType } from "./instances/instanceTypes.ts";
import type { FastLaunchImage } from "./golden/goldenStates.ts";
import type { TerminalSize } from "./instances/kernelCommandLine.ts";
import { runInstances } from "./instances/launch.ts";
import { isRunning } from "./instances/record.ts";
import { restoreFleet } from "./instances/restore.ts";
import type { Bill } from "./metering/meter.ts";
import type { MetricSample } from "./metering/monitoring.ts";
import {
  parseGetConsoleOutput,
  parseOnConsoleOutput,
  parseRunCommand,
  parseSendConsoleInput,
  parseSetTerminalSize,
  type RunCommandOptions,
} from "./requests/console.ts";
import {
  parseAttachVolume,
  parseCreateSnapshot,
  parseCreateVolume,
  parseDeleteSnapshot,
  parseDeleteVolume,
  parseDescribeSnapshots,
  parseDescribeVolumes,
  parseDetachVolume,
  parseExportVolume,
  parseImportVolume,
  type CreateVolumeRequest,
  type DescribeSnapshotsRequest,
  type DescribeVolumesRequest,
  type ImportVolumeRequest,
} from "./requests/ebs.ts";
import { parseQuotaIncrease, parseSetHostCapacity, parseSubscribe } from "./requests/host.ts";
import {
  parseCreateImage,
  parseDeregisterImage,
  parseDisableFastLaunch,
  parseDownloadImage,
  parseEnableFastLaunch,
  parseImportImage,
  type CreateImageRequest,
  type EnableFastLaunchRequest,
  type ImportImageRequest,
} from "./requests/images.ts";
import {
  parseDescribeHibernation,
  parseDescribeInstances,
  parseGetInstanceBill,
  parseGetInstanceStats,
  parseGetMetricData,
  parseInstanceId,
  parseModifyInstanceAttribute,
  parseRebootInstances,
  parseStartInstances,
  parseStopInstances,
  parseTerminateInstances,
  parseRunInstances,
  type DescribeInstancesRequest,
  type ModifyInstanceAttributeRequest,
  type RunInstancesRequest,
  type StopInstancesOptions,
} from "./requests/instances.ts";
import type { NetworkResources } from "./vpc/networkResources.ts";
import type { FlowRecord, InboundHttpRequest, InboundHttpResult } from "../net/fabricApi.ts";
import type { MetadataOptions } from "../net/topology.ts";
import { parseInboundHttpRequest, parseModifyInstanceMetadataOptions, type MetadataOptionsRequest } from "./requests/instanceNetwork.ts";
import { LaunchTemplateFacade } from "./launchTemplateFacade.ts";
import type { LaunchTemplates } from "./templates/launchTemplates.ts";
import { wireModules, type HypervisorEvent, type HypervisorModules, type HypervisorOptions } from "./wiring.ts";

export type {
  DescribeInstancesRequest,
  HostCapacity,
  HypervisorEvent,
  ServiceQuota,
  HypervisorOptions,
  ModifyInstanceAttributeRequest,
  RunInstancesRequest,
};

/** Disk writes reach storage at least this often while an instance runs. */
const DEFAULT_FLUSH_INTERVAL_MS = 2000;

export class Hypervisor extends LaunchTemplateFacade {
  readonly #persistence: Persistence;
  readonly #listeners = new Set<(event: HypervisorEvent) => void>();
  readonly #m: HypervisorModules;
  readonly #sampleMs: number;
  readonly #flushMs: number;
  #sampling: ReturnType<typeof setInterval> | undefined;
  #flushing: ReturnType<typeof setInterval> | undefined;

  constructor(options: HypervisorOptions) {
    super();
    this.#persistence = options.persistence;
    this.#sampleMs = options.sampleIntervalMs ?? 1000;
    this.#flushMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.#m = wireModules(options, { emit: (event) => this.#emit(event), started: () => this.#startTimers() });
  }

  /** Listens to every change of every instance; returns the function that stops listening. */
  subscribe(listener: (event: HypervisorEvent) => void): () => void {
    const checked = parseSubscribe<HypervisorEvent>(listener);
    this.#listeners.add(checked);
    return () => this.#listeners.delete(checked);
  }

  /**
   * Brings the fleet back as it was kept: settings, volumes, snapshots and instances. Stopped
   * instances stay stopped (hibernated ones resume at their next start); instances that were
   * running boot again from their root volumes, with the reason in their state reason.
   */
  async restore(): Promise<void> {
    await this.#m.capacity.load();
    await this.#m.volumes.load();
    for (const { id, reason } of await this.#m.network.load())
      console.warn(`tabcloud: the network resource ${id} was not brought back: ${reason}.`);
    for (const { id, reason } of await this.#m.templates.load())
      console.warn(`tabcloud: the launch template ${id} was not brought back: ${reason}.`);
    await this.#m.goldens.load(new Set((await this.describeImages()).map((image) => image.imageId)));
    const unreadable = await restoreFleet(this.#m.restore);
    for (const { instanceId, reason } of unreadable) console.warn(`tabcloud: the instance ${instanceId} was not brought back: ${reason}.`);
  }

  // Images (imageActions.ts).
  async describeImages(): Promise<ImageDescription[]> {
    return this.#m.images.describeImages();
  }
  /** Downloads an image's files into this browser (with progress; cancel with the signal), so it launches offline. */
  async downloadImage(imageId: string, options: LoadOptions = {}): Promise<void> {
    const request = parseDownloadImage(imageId, options);
    return this.#m.images.downloadImage(request.imageId, request.options);
  }
  async createImage(instanceId: string, request: CreateImageRequest): Promise<ImageDescription> {
    const checked = parseCreateImage(instanceId, request);
    return this.#m.images.createImage(checked.instanceId, checked.request);
  }
  async deregisterImage(imageId: string): Promise<{ freedBytes: number }> {
    return this.#m.images.deregisterImage(parseDeregisterImage(imageId));
  }
  /** Each image's fast launch (EC2's DescribeFastLaunchImages): on or off, and its golden states with their sizes. */
  async describeFastLaunchImages(): Promise<FastLaunchImage[]> {
    return this.#m.images.describeFastLaunchImages();
  }
  /** Turns fast launch on for the image and makes its golden state for the type's memory now; resolves once it is kept. */
  async enableFastLaunch(request: EnableFastLaunchRequest): Promise<FastLaunchImage> {
    const { imageId, instanceType } = parseEnableFastLaunch(request);
    const type = this.describeInstanceTypes().find((candidate) => candidate.name === (instanceType ?? DEFAULT_INSTANCE_TYPE));
    if (!type)
      throw new Ec2Error("InvalidParameterValue", `The instance type '${instanceType}' does not exist: see describeInstanceTypes.`);
    return this.#m.images.enableFastLaunch(imageId, type.memoryMib);
  }
  /** Turns fast launch off for the image: its golden states are deleted and its launches boot from the image. */
  async disableFastLaunch(request: { readonly imageId: string }): Promise<FastLaunchImage> {
    return this.#m.images.disableFastLaunch(parseDisableFastLaunch(request).imageId);
  }
  async importImage(request: ImportImageRequest): Promise<ImageDescription> {
    return this.#m.images.importImage(parseImportImage(request));
  }

  // Instances (instances/).
  describeInstanceTypes(): readonly InstanceType[] {
    return INSTANCE_TYPES;
  }
  describeInstances(request: DescribeInstancesRequest = {}): Instance[] {
    const { instanceIds, filters = [] } = parseDescribeInstances(request);
    const records = instanceIds ? instanceIds.map((id) => this.#m.registry.get(id)) : this.#m.registry.all();
    return filterInstances(
      records.map((record) => record.instance),
      filters,
    );
  }
  /** Launches instances (with a launch template's settings under the request's own); they are returned pending and boot in the background, as on EC2. */
  async runInstances(request: RunInstancesRequest = {}): Promise<Instance[]> {
    const launch = this.#m.templates.launchRequest(parseRunInstances(request));
    return runInstances(this.#m.launch, launch.request, launch.systemTags);
  }
  /** Boots stopped instances again from their root volumes; running ones are left as they are. */
  async startInstances(instanceIds: readonly string[]): Promise<InstanceStateChange[]> {
    return this.#m.instances.start(parseStartInstances(instanceIds));
  }
  /** Stops running instances (with hibernate, saving their memory); their root volumes are kept for the next start. */
  async stopInstances(instanceIds: readonly string[], options: StopInstancesOptions = {}): Promise<InstanceStateChange[]> {
    const request = parseStopInstances(instanceIds, options);
    return this.#m.instances.stop(request.instanceIds, request.options);
  }
  /** Reboots the guest's operating system; the instance stays running, as on EC2. */
  async rebootInstances(instanceIds: readonly string[]): Promise<void> {
    return this.#m.instances.reboot(parseRebootInstances(instanceIds));
  }
  async terminateInstances(instanceIds: readonly string[]): Promise<InstanceStateChange[]> {
    return this.#m.instances.terminate(parseTerminateInstances(instanceIds));
  }
  /** Changes an instance's type (only while stopped) or its termination and shutdown attributes. */
  async modifyInstanceAttribute(instanceId: string, request: ModifyInstanceAttributeRequest): Promise<void> {
    const checked = parseModifyInstanceAttribute(instanceId, request);
    const { groups, ...others } = checked.request;
    if (groups === undefined) return this.#m.instances.modifyAttribute(checked.instanceId, checked.request);
    if (Object.values(others).some((value) => value !== undefined)) {
      throw new Ec2Error(
        "InvalidParameterCombination",
        "Change the security groups in a request of their own, as EC2 takes one attribute at a time.",
      );
    }
    const record = this.#m.registry.get(checked.instanceId);
    this.#m.registry.allow(record, "modifyInstanceAttribute");
    await this.#m.instanceNetwork.setGroups(record, groups);
  }
  /** EC2's ModifyInstanceMetadataOptions: how the metadata service answers the instance, from its next request. */
  async modifyInstanceMetadataOptions(
    instanceId: string,
    request: MetadataOptionsRequest,
  ): Promise<{ instanceId: string; instanceMetadataOptions: MetadataOptions }> {
    const checked = parseModifyInstanceMetadataOptions(instanceId, request);
    const record = this.#m.registry.get(checked.instanceId);
    this.#m.registry.allow(record, "modifyInstanceAttribute");
    const options = this.#m.instanceNetwork.setMetadataOptions(record, checked.request);
    await this.#m.fabric.sync();
    return { instanceId: checked.instanceId, instanceMetadataOptions: options };
  }
  /** The instance's VPC Flow Logs records (ACCEPT and REJECT), oldest first. */
  async getFlowLog(instanceId: string): Promise<readonly FlowRecord[]> {
    const eniId = this.#m.registry.get(parseInstanceId(instanceId)).config.networkInterfaceId;
    return eniId ? this.#m.fabric.flowLog(eniId) : [];
  }
  /** The instance's recent traffic as a pcap file (Ethernet) that Wireshark opens. */
  async exportTraffic(instanceId: string): Promise<Uint8Array> {
    const record = this.#m.registry.get(parseInstanceId(instanceId));
    const eniId = record.config.networkInterfaceId;
    if (!eniId) throw new Ec2Error("UnsupportedOperation", `The instance ${record.instance.instanceId} has no network interface.`);
    return this.#m.fabric.capture(eniId);
  }
  /** The browser (the internet) opening an instance's public address: an HTTP exchange over a TCP connection to the guest. */
  async requestPublicAddress(request: InboundHttpRequest): Promise<InboundHttpResult> {
    return this.#m.fabric.httpRequest(parseInboundHttpRequest(request));
  }
  /** The saved state of a hibernated instance, or null when it has none. */
  describeHibernation(instanceId: string): { stateBytes: number } | null {
    const hibernation = this.#m.registry.get(parseDescribeHibernation(instanceId)).runtime.hibernation;
    return hibernation ? { stateBytes: hibernation.state.byteLength } : null;
  }
  /** CloudWatch-style samples of the instance's CPU, oldest first (five minutes at most). */
  getMetricData(instanceId: string): readonly MetricSample[] {
    return this.#m.registry.get(parseGetMetricData(instanceId)).runtime.metrics;
  }
  /** What the instance has cost so far. */
  getInstanceBill(instanceId: string): Bill {
    return this.#m.registry.get(parseGetInstanceBill(instanceId)).config.meter.bill(Date.now());
  }
  /** The emulator's counters; with `guestMemory`, also the guest memory its guest has written (a scan of all of it). */
  async getInstanceStats(instanceId: string, options?: StatsOptions): Promise<InstanceStats> {
    const worker = this.#m.registry.get(parseGetInstanceStats(instanceId)).runtime.worker;
    if (!worker) return { instructions: 0, runTimeMs: 0, cpuTimeMs: 0, cpuSharePct: 0, running: false, agentGarbageLines: 0 };
    return worker.api.stats({ guestMemory: options?.guestMemory === true });
  }

  // The serial console and the guest agent (instances/console.ts, instances/actions.ts).
  /** EC2's GetConsoleOutput: the newest 64 KiB the instance wrote to its serial console. */
  getConsoleOutput(instanceId: string): ConsoleOutput {
    return this.#m.console.output(parseGetConsoleOutput(instanceId));
  }
  /** Receives what the instance writes to its console from now on; returns the function that stops it. */
  onConsoleOutput(instanceId: string, listener: (data: Uint8Array) => void): () => void {
    const request = parseOnConsoleOutput(instanceId, listener);
    return this.#m.console.listen(request.instanceId, request.listener);
  }
  /** Types into the instance's serial console. */
  async sendConsoleInput(instanceId: string, data: string): Promise<void> {
    const request = parseSendConsoleInput(instanceId, data);
    return this.#m.console.type(request.instanceId, request.data);
  }
  /** Tells the guest its console's size; kept for the next boot too. */
  async setTerminalSize(instanceId: string, size: TerminalSize): Promise<void> {
    const request = parseSetTerminalSize(instanceId, size);
    return this.#m.console.resize(request.instanceId, request.size);
  }
  /** Runs a shell command in the guest through its agent (as Systems Manager's RunCommand does). */
  async runCommand(instanceId: string, command: string, options: RunCommandOptions = {}): Promise<ExecResult> {
    const request = parseRunCommand(instanceId, command, options);
    return this.#m.instances.runCommand(request.instanceId, request.command, request.timeoutMs, request.exec);
  }

  // EBS: volumes and snapshots (ebs/).
  describeVolumes(request: DescribeVolumesRequest = {}): Volume[] {
    return this.#m.volumes.describeVolumes(parseDescribeVolumes(request).volumeIds);
  }
  describeSnapshots(request: DescribeSnapshotsRequest = {}): Snapshot[] {
    return this.#m.volumes.describeSnapshots(parseDescribeSnapshots(request).snapshotIds);
  }
  async createVolume(request: CreateVolumeRequest): Promise<Volume> {
    return this.#m.ebs.createVolume(parseCreateVolume(request));
  }
  async attachVolume(volumeId: string, instanceId: string): Promise<Volume> {
    const request = parseAttachVolume(volumeId, instanceId);
    return this.#m.ebs.attachVolume(request.volumeId, request.instanceId);
  }
  async detachVolume(volumeId: string): Promise<Volume> {
    return this.#m.ebs.detachVolume(parseDetachVolume(volumeId));
  }
  async deleteVolume(volumeId: string): Promise<void> {
    return this.#m.ebs.deleteVolume(parseDeleteVolume(volumeId));
  }
  async createSnapshot(volumeId: string, description?: string): Promise<Snapshot> {
    const request = parseCreateSnapshot(volumeId, description);
    return this.#m.ebs.createSnapshot(request.volumeId, request.description);
  }
  async deleteSnapshot(snapshotId: string): Promise<void> {
    return this.#m.ebs.deleteSnapshot(parseDeleteSnapshot(snapshotId));
  }
  async exportVolume(volumeId: string): Promise<Uint8Array> {
    return this.#m.ebs.exportVolume(parseExportVolume(volumeId));
  }
  async importVolume(bytes: Uint8Array, request: ImportVolumeRequest = {}): Promise<Volume> {
    const checked = parseImportVolume(bytes, request);
    return this.#m.ebs.importVolume(checked.bytes, checked.request);
  }
  getStorageBill(): StorageBill {
    return this.#m.ebs.getStorageBill();
  }

  // The host (capacity/).
  /** The host's memory and CPU budgets and what each live instance holds of them. */
  describeHostCapacity(): HostCapacity {
    return this.#m.capacity.describe();
  }
  /** Changes the host's budgets. A smaller memory budget affects only later launches and starts. */
  async setHostCapacity(capacity: HostBudgets): Promise<void> {
    await this.#m.capacity.set(parseSetHostCapacity(capacity));
    await this.#m.scheduler.reschedule();
    this.#emit({ type: "metrics-updated" });
  }
  /** The instance quota (Service Quotas' GetServiceQuota): its value, default, limit and what counts against it now. */
  getServiceQuota(): ServiceQuota {
    return this.#m.capacity.describeInstanceQuota(this.#m.registry.liveCount());
  }
  /** Raises the instance quota to `desiredValue` (Service Quotas' RequestServiceQuotaIncrease), granted at once. */
  async requestServiceQuotaIncrease(request: { desiredValue: number }): Promise<ServiceQuota> {
    await this.#m.capacity.raiseInstanceQuota(parseQuotaIncrease(request).desiredValue);
    this.#emit({ type: "metrics-updated" });
    return this.getServiceQuota();
  }

  /** Ends every instance's worker: for tests and page unload. What the guests wrote last is kept, as a reload keeps it. */
  async shutdownAll(): Promise<void> {
    clearInterval(this.#sampling);
    clearInterval(this.#flushing);
    this.#m.goldens.close();
    await this.#m.goldenSpares.close();
    await this.#m.workers.close();
    await this.#flushRunning().catch(() => undefined);
    const records = this.#m.registry.all();
    await Promise.all(records.map((record) => record.runtime.saving));
    this.#m.saver.close();
    this.#m.registry.close();
    await Promise.all(records.map((record) => this.#m.transitions.releaseWorker(record)));
    await this.#m.network.idle();
    await this.#m.fabric.shutdown();
    await this.#persistence.close();
  }

  /** The network's module, for the facade's network actions (vpcFacade.ts). */
  protected override get network(): NetworkResources {
    return this.#m.network;
  }
  /** The templates' module, for the facade's launch template actions (launchTemplateFacade.ts). */
  protected override get launchTemplates(): LaunchTemplates {
    return this.#m.templates;
  }

  #startTimers(): void {
    this.#sampling ??= unref(setInterval(() => void this.#m.sampler.sample(), this.#sampleMs));
    this.#flushing ??= unref(setInterval(() => void this.#flushRunning(), this.#flushMs));
  }

  /** Stores running instances' new disk writes and their records (the meter moves on). */
  async #flushRunning(): Promise<void> {
    const running = this.#m.registry.all().filter(isRunning);
    await Promise.all(
      running.map(async (record) => {
        await this.#m.disks.flush(record);
        await this.#m.saver.save(record);
      }),
    );
  }

  #emit(event: HypervisorEvent): void {
    callEach(this.#listeners, event);
  }
}

/** Under Node, a timer must not keep the process alive. */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
