/**
 * The hypervisor: the page-side coordinator that owns every instance. Its public methods are
 * named after EC2's actions and are the only way anything changes an instance. Plain
 * TypeScript with no DOM: the browser and Node give it their own WorkerHost.
 */
import { transfer } from "comlink";
import type { ExecResult } from "../guest/agentClient.ts";
import type { ImageRepository } from "../images/imageRepository.ts";
import type { ImageManifest } from "../images/manifest.ts";
import { Ec2Error, toCloudError, unwrap, type CloudError, type Result } from "../shared/errors.ts";
import type { InstanceChannelMessage, InstanceStats } from "../worker/api.ts";
import { ConsoleLog } from "./consoleLog.ts";
import {
  instanceState,
  userInitiated,
  type Instance,
  type InstanceStateChange,
  type InstanceStateName,
  type StateReason,
  type Tag,
} from "./instance.ts";
import { isInstanceId, newInstanceId } from "./instanceId.ts";
import { DEFAULT_INSTANCE_TYPE, findInstanceType } from "./instanceTypes.ts";
import { DEFAULT_TERMINAL_SIZE, instanceKernelCommandLine, isTerminalSize, type TerminalSize } from "./kernelCommandLine.ts";
import type { InstanceWorkerHandle, WorkerHost } from "./workerHost.ts";

export interface RunInstancesRequest {
  /** Defaults to the first image of the catalog. */
  readonly imageId?: string;
  readonly instanceType?: string;
  /** How many to launch; default 1. */
  readonly count?: number;
  readonly tags?: readonly Tag[];
  /** The console's size at boot; later changes go through setTerminalSize. */
  readonly terminalSize?: TerminalSize;
}

export type HypervisorEvent = { readonly type: "instance-changed"; readonly instance: Instance };

export interface HypervisorOptions {
  readonly workerHost: WorkerHost;
  readonly images: ImageRepository;
  /** Most instances that may exist at once, terminated ones excluded (EC2's InstanceLimitExceeded). */
  readonly instanceLimit?: number;
}

const MAX_TAGS = 50;

interface InstanceRecord {
  instance: Instance;
  worker: InstanceWorkerHandle | null;
  channel: MessagePort | null;
  readonly console: ConsoleLog;
  readonly consoleListeners: Set<(data: Uint8Array) => void>;
  terminalSize: TerminalSize;
}

export class Hypervisor {
  readonly #workerHost: WorkerHost;
  readonly #images: ImageRepository;
  readonly #instanceLimit: number;
  readonly #records = new Map<string, InstanceRecord>();
  readonly #listeners = new Set<(event: HypervisorEvent) => void>();

  constructor(options: HypervisorOptions) {
    this.#workerHost = options.workerHost;
    this.#images = options.images;
    this.#instanceLimit = options.instanceLimit ?? 8;
  }

  /** Listens to every change of every instance; returns the function that stops listening. */
  subscribe(listener: (event: HypervisorEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async describeImages(): Promise<ImageManifest[]> {
    return unwrap(await this.#images.describeImages());
  }

  describeInstances(instanceIds?: readonly string[]): Instance[] {
    if (instanceIds) return instanceIds.map((id) => this.#record(id).instance);
    return [...this.#records.values()].map((record) => record.instance);
  }

  /** Launches instances; they are returned pending and boot in the background, as on EC2. */
  async runInstances(request: RunInstancesRequest = {}): Promise<Instance[]> {
    const count = request.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new Ec2Error("InvalidParameterValue", `Count must be a whole number of at least 1, not ${count}.`);
    const typeName = request.instanceType ?? DEFAULT_INSTANCE_TYPE;
    const type = findInstanceType(typeName);
    if (!type) throw new Ec2Error("InvalidParameterValue", `The instance type '${typeName}' does not exist. See describeInstanceTypes for the ones offered.`);
    const tags = request.tags ?? [];
    if (tags.length > MAX_TAGS) throw new Ec2Error("InvalidParameterValue", `An instance can have at most ${MAX_TAGS} tags.`);
    for (const tag of tags) {
      if (typeof tag.key !== "string" || tag.key.length === 0 || tag.key.length > 128 || tag.key.startsWith("aws:")) {
        throw new Ec2Error("InvalidParameterValue", `The tag key '${String(tag.key)}' is not valid: 1 to 128 characters, not starting with aws:.`);
      }
      if (typeof tag.value !== "string" || tag.value.length > 256) throw new Ec2Error("InvalidParameterValue", `The value of tag '${tag.key}' is longer than 256 characters.`);
    }
    const terminalSize = request.terminalSize ?? DEFAULT_TERMINAL_SIZE;
    if (!isTerminalSize(terminalSize)) throw new Ec2Error("InvalidParameterValue", `A terminal of ${terminalSize.rows}x${terminalSize.cols} is not possible.`);

    const images = unwrap(await this.#images.describeImages());
    const image = request.imageId === undefined ? images[0] : images.find((candidate) => candidate.imageId === request.imageId);
    if (!image) throw new Ec2Error("InvalidAMIID.NotFound", `The image id '${request.imageId ?? "(default)"}' does not exist.`);
    if (type.memoryMib < image.minMemoryMib) {
      throw new Ec2Error("InvalidParameterValue", `The image ${image.name} needs at least ${image.minMemoryMib} MiB; ${type.name} has ${type.memoryMib} MiB.`);
    }
    const live = [...this.#records.values()].filter((record) => record.instance.state.name !== "terminated").length;
    if (live + count > this.#instanceLimit) {
      throw new Ec2Error("InstanceLimitExceeded", `You have ${live} instances and asked for ${count} more; the limit is ${this.#instanceLimit}. Terminate one first.`);
    }

    const launchTime = new Date().toISOString();
    const launched: Instance[] = [];
    for (let i = 0; i < count; i++) {
      const instance: Instance = {
        instanceId: this.#freshInstanceId(),
        imageId: image.imageId,
        instanceType: type.name,
        memoryMib: type.memoryMib,
        state: instanceState("pending"),
        stateTransitionReason: "",
        stateReason: null,
        launchTime,
        tags: tags.map((tag) => ({ key: tag.key, value: tag.value })),
        statusChecks: { system: "initializing", instance: "initializing" },
        rootDeviceType: image.rootDeviceType,
        rootDeviceName: "/dev/sda",
        launchProgress: null,
      };
      const record: InstanceRecord = { instance, worker: null, channel: null, console: new ConsoleLog(), consoleListeners: new Set(), terminalSize };
      this.#records.set(instance.instanceId, record);
      this.#emit(record);
      launched.push(instance);
      void this.#boot(record, image);
    }
    return launched;
  }

  async terminateInstances(instanceIds: readonly string[]): Promise<InstanceStateChange[]> {
    const records = this.#recordsFor(instanceIds);
    const changes: InstanceStateChange[] = [];
    await Promise.all(
      records.map(async (record) => {
        const previousState = record.instance.state;
        if (previousState.name !== "terminated") {
          this.#update(record, { state: instanceState("shutting-down"), stateTransitionReason: userInitiated(new Date()), stateReason: { code: "Client.UserInitiatedShutdown", message: "Client.UserInitiatedShutdown: User initiated shutdown" } });
          await this.#releaseWorker(record);
          this.#update(record, { state: instanceState("terminated"), statusChecks: { system: "not-applicable", instance: "not-applicable" } });
        }
        changes.push({ instanceId: record.instance.instanceId, previousState, currentState: record.instance.state });
      }),
    );
    return changes;
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
    if (!worker) return { instructions: 0, runTimeMs: 0, running: false, agentGarbageLines: 0 };
    return worker.api.stats();
  }

  /** Ends every instance's worker: for tests and page unload. */
  async shutdownAll(): Promise<void> {
    await Promise.all([...this.#records.values()].map((record) => this.#releaseWorker(record)));
  }

  async #boot(record: InstanceRecord, image: ImageManifest): Promise<void> {
    const { instanceId } = record.instance;
    const loaded = await this.#images.load(image.imageId, (progress) => this.#update(record, { launchProgress: progress }));
    if (record.instance.state.name !== "pending") return;
    this.#update(record, { launchProgress: null });
    if (!loaded.ok) return this.#failLaunch(record, loaded.error);

    const worker = this.#workerHost.spawn(instanceId);
    record.worker = worker;
    worker.onCrash((reason) => this.#onWorkerLost(record, { code: "InstanceBootFailure", message: `The instance's worker stopped: ${reason}` }));
    const channel = new MessageChannel();
    record.channel = channel.port1;
    channel.port1.onmessage = (event: MessageEvent<InstanceChannelMessage>) => this.#onChannelMessage(record, event.data);
    const { files } = loaded.value;
    // Each instance writes its own copy of the root volume; the image's files stay shared.
    const rootVolume = files.rootVolume.slice(0);
    const spec = {
      instanceId,
      memoryMib: record.instance.memoryMib,
      kernelCommandLine: instanceKernelCommandLine(image.kernelCommandLine, instanceId, record.terminalSize),
      bios: files.bios,
      vgaBios: files.vgaBios,
      kernel: files.kernel,
      rootVolume,
      channel: channel.port2,
    };
    let booted;
    try {
      booted = await worker.api.boot(transfer(spec, [channel.port2, rootVolume]));
    } catch (error) {
      booted = { ok: false as const, error: toCloudError(error, "InstanceBootFailure") };
    }
    if (record.instance.state.name !== "pending") return;
    if (!booted.ok) return this.#failLaunch(record, booted.error);
    this.#update(record, { state: instanceState("running"), statusChecks: { system: "ok", instance: "initializing" } });
  }

  #onChannelMessage(record: InstanceRecord, message: InstanceChannelMessage): void {
    switch (message.type) {
      case "console":
        record.console.append(message.data);
        for (const listener of record.consoleListeners) listener(message.data);
        break;
      case "agent-ready":
        if (record.instance.state.name === "running") this.#update(record, { statusChecks: { system: "ok", instance: "ok" } });
        break;
      case "guest-shutdown":
        void this.#onGuestShutdown(record);
        break;
      case "emulator-error":
        this.#onWorkerLost(record, message.error);
        break;
    }
  }

  /** poweroff inside the guest: EC2's default InstanceInitiatedShutdownBehavior is stop. */
  async #onGuestShutdown(record: InstanceRecord): Promise<void> {
    if (record.instance.state.name !== "running") return;
    const reason: StateReason = { code: "Client.InstanceInitiatedShutdown", message: "Client.InstanceInitiatedShutdown: Instance initiated shutdown" };
    this.#update(record, { state: instanceState("stopping"), stateReason: reason, stateTransitionReason: userInitiated(new Date()) });
    await this.#releaseWorker(record);
    this.#update(record, { state: instanceState("stopped"), statusChecks: { system: "not-applicable", instance: "not-applicable" } });
  }

  #failLaunch(record: InstanceRecord, error: CloudError): void {
    void this.#releaseWorker(record);
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

  #freshInstanceId(): string {
    let id = newInstanceId();
    while (this.#records.has(id)) id = newInstanceId();
    return id;
  }

  #record(instanceId: string): InstanceRecord {
    if (!isInstanceId(instanceId)) throw new Ec2Error("InvalidInstanceID.Malformed", `Invalid id: '${String(instanceId)}' (expected i- and 17 hex digits).`);
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
    if (state !== "running" || !record.worker) {
      throw new Ec2Error("IncorrectInstanceState", `Cannot ${action} the instance ${instanceId}: it is ${state}, not running.`);
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
  }
}
