/**
 * How an instance leaves running: stopped (its volume kept), hibernated (its memory saved too),
 * terminated (its volumes deleted or detached), or failed (a launch that never ran, a start that
 * did not boot, an emulator that died). Each step checks the instance's generation, so a later
 * transition that overtook this one is left alone.
 */
import type { CloudError, Result } from "../../shared/errors.ts";
import type { Hibernation, ShutdownOutcome } from "../../worker/api.ts";
import type { FleetStore } from "../../persistence/fleetStore.ts";
import type { DiskFlusher } from "../ebs/diskFlush.ts";
import type { VolumeRegistry } from "../ebs/volumes.ts";
import { instanceState, userInitiated, type Instance, type StateReason } from "./instance.ts";
import type { InstanceRecord } from "./record.ts";
import type { InstanceRegistry } from "./registry.ts";
import { keptState } from "./savedState.ts";

export interface TransitionContext {
  readonly registry: InstanceRegistry;
  readonly disks: DiskFlusher;
  readonly volumes: VolumeRegistry;
  readonly fleet: FleetStore;
  /** Re-divides the CPU among the instances still running. */
  reschedule(): Promise<void>;
  /** How long a stop waits for the guest to power off before pulling the plug. */
  readonly stopTimeoutMs: number;
}

const NOT_APPLICABLE = { system: "not-applicable", instance: "not-applicable" } as const;

/** The worker's answer, or undefined once a later transition (a force stop) overtook the one waiting for it. */
function untilOvertaken<T>(record: InstanceRecord, call: Promise<T> | undefined): Promise<T | undefined> {
  if (!call) return Promise.resolve(undefined);
  return Promise.race([call, record.runtime.overtaken.promise.then(() => undefined)]);
}

export class Transitions {
  readonly #ctx: TransitionContext;

  constructor(context: TransitionContext) {
    this.#ctx = context;
  }

  /** Brings the guest down and keeps its root volume; ends stopped unless overtaken. */
  async powerOff(record: InstanceRecord, generation: number, force: boolean): Promise<void> {
    try {
      await untilOvertaken<Result<ShutdownOutcome>>(
        record,
        record.runtime.worker?.api.powerOff({ timeoutMs: this.#ctx.stopTimeoutMs, force }),
      );
      if (record.runtime.generation === generation) await this.#ctx.disks.keep(record, generation);
    } catch {
      // A worker that died while stopping leaves the volume as it was at the last boot.
    }
    await this.#endStopped(record, generation, {});
  }

  /**
   * Saves the whole emulator (memory, devices, written disk blocks) and ends stopped; the next
   * start resumes it. Compute is billed while stopping, as EC2 bills a hibernating instance.
   */
  async hibernate(record: InstanceRecord, generation: number): Promise<void> {
    let saved = false;
    try {
      const hibernation = await untilOvertaken<Result<Hibernation>>(record, record.runtime.worker?.api.hibernate());
      if (hibernation?.ok && (await this.#ctx.disks.keep(record, generation))) {
        const savedState = { state: hibernation.value.state, devices: hibernation.value.devices };
        await this.#ctx.fleet.putHibernation(record.instance.instanceId, keptState(savedState));
        record.runtime.hibernation = savedState;
        saved = true;
      }
    } catch {
      // Not saved: the instance stops as if cut off, and boots afresh from its volume.
    }
    if (record.runtime.generation !== generation) return;
    this.endBilling(record);
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

  async terminate(record: InstanceRecord, generation: number): Promise<void> {
    await this.releaseWorker(record);
    if (record.runtime.generation !== generation) return;
    await this.deleteVolumesOf(record).catch(() => undefined);
    if (record.runtime.generation !== generation) return;
    record.runtime.hibernation = null;
    record.runtime.instanceStoreBlocks = new Map();
    record.config.meter.deleteVolume(Date.now());
    this.#ctx.registry.update(record, { state: instanceState("terminated"), hibernated: false, statusChecks: NOT_APPLICABLE });
    this.#ctx.registry.forgetLater(record);
  }

  /** poweroff inside the guest: the instance's InstanceInitiatedShutdownBehavior says stop or terminate. */
  onGuestShutdown(record: InstanceRecord): void {
    if (record.instance.state.name !== "running") return;
    const reason: StateReason = {
      code: "Client.InstanceInitiatedShutdown",
      message: "Client.InstanceInitiatedShutdown: Instance initiated shutdown",
    };
    const changes = { stateReason: reason, stateTransitionReason: userInitiated(new Date()) };
    const terminates =
      record.instance.instanceInitiatedShutdownBehavior === "terminate" || record.instance.rootDeviceType === "instance-store";
    const generation = this.#ctx.registry.begin(record, { ...changes, state: instanceState(terminates ? "shutting-down" : "stopping") });
    this.endBilling(record);
    void (terminates ? this.terminate(record, generation) : this.powerOff(record, generation, false));
  }

  /** A start that failed leaves the instance stopped with its volume; a saved state that failed to resume is dropped. */
  failStart(record: InstanceRecord, error: CloudError): void {
    void this.releaseWorker(record);
    record.runtime.generation++;
    if (record.runtime.hibernation) void this.#ctx.fleet.deleteHibernation(record.instance.instanceId).catch(() => undefined);
    record.runtime.hibernation = null;
    this.#ctx.registry.update(record, {
      state: instanceState("stopped"),
      hibernated: false,
      stateReason: { code: "Server.InternalError", message: `Server.InternalError: ${error.code}: ${error.message}` },
      statusChecks: NOT_APPLICABLE,
    });
  }

  /** A launch that never ran: the instance is terminated, with the reason, and its root volume goes with it. */
  failLaunch(record: InstanceRecord, error: CloudError): void {
    record.runtime.hibernation = null;
    void this.releaseWorker(record);
    record.runtime.generation++;
    this.endBilling(record);
    void this.deleteVolumesOf(record).catch(() => undefined);
    record.config.meter.deleteVolume(Date.now());
    this.#ctx.registry.forgetLater(record);
    this.#ctx.registry.update(record, {
      state: instanceState("terminated"),
      stateReason: { code: "Server.InternalError", message: `Server.InternalError: ${error.code}: ${error.message}` },
      statusChecks: { system: "impaired", instance: "impaired" },
    });
  }

  /** A boot that failed: a stopped instance's start, or a launch. */
  failBoot(record: InstanceRecord, error: CloudError): void {
    if (record.config.hasRun) this.failStart(record, error);
    else this.failLaunch(record, error);
  }

  /** The emulator or its worker died: a launch that was pending fails; a running instance is impaired. */
  onWorkerLost(record: InstanceRecord, error: CloudError): void {
    const state = record.instance.state.name;
    // A start that had run before leaves the instance stopped with its volume; a launch that never ran is terminated.
    if (state === "pending") return this.failBoot(record, error);
    if (state !== "running") return;
    void this.releaseWorker(record);
    this.#ctx.registry.update(record, {
      stateReason: { code: "Server.InternalError", message: `Server.InternalError: ${error.message}` },
      statusChecks: { system: "impaired", instance: "impaired" },
    });
  }

  async releaseWorker(record: InstanceRecord): Promise<void> {
    const runtime = record.runtime;
    const worker = runtime.worker;
    runtime.worker = null;
    runtime.channel?.close();
    runtime.channel = null;
    if (runtime.agentDeadline !== null) clearTimeout(runtime.agentDeadline);
    runtime.agentDeadline = null;
    if (!worker) return;
    await worker.terminate();
  }

  /** Compute billing ends as the instance leaves running; surplus credits are settled then. */
  endBilling(record: InstanceRecord): void {
    const { meter, credits } = record.config;
    meter.endRun(Date.now());
    if (credits) meter.chargeSurplusCredits(credits.settleSurplus());
  }

  /** DeleteOnTermination: volumes that go with the instance are deleted, the others detached. */
  async deleteVolumesOf(record: InstanceRecord): Promise<void> {
    const instanceId = record.instance.instanceId;
    await this.#ctx.fleet.deleteHibernation(instanceId);
    for (const volume of this.#ctx.volumes.describeVolumes()) {
      const attachment = volume.attachments[0];
      if (attachment?.instanceId !== instanceId) continue;
      if (attachment.deleteOnTermination) await this.#ctx.volumes.deleteWithInstance(volume.volumeId);
      else await this.#ctx.volumes.setAttachment(volume.volumeId, null);
    }
  }

  /** Frees the emulator and ends stopped, unless another transition has overtaken this one. */
  async #endStopped(record: InstanceRecord, generation: number, changes: Partial<Instance>): Promise<void> {
    if (record.runtime.generation !== generation) return;
    await this.releaseWorker(record);
    if (record.runtime.generation !== generation) return;
    this.#ctx.registry.update(record, { ...changes, state: instanceState("stopped"), statusChecks: NOT_APPLICABLE });
    await this.#ctx.reschedule();
  }
}
