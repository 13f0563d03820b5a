/**
 * EC2's actions on existing instances: start, stop (and hibernate), reboot, terminate, modify an
 * attribute, run a command. Each checks every instance it is given against the lifecycle table
 * first and changes nothing when one refuses.
 */
import type { ExecOptions, ExecResult } from "../../guest/agentClient.ts";
import { Ec2Error, toCloudError, unwrap } from "../../shared/errors.ts";
import type { HostCapacityLedger } from "../capacity/hostCapacity.ts";
import { CreditAccount } from "../capacity/cpuCredits.ts";
import type { InstanceBuilder } from "./builder.ts";
import { instanceState, userInitiated, type Instance, type InstanceStateChange, type StateReason } from "./instance.ts";
import { findInstanceType } from "./instanceTypes.ts";
import type { LifecycleAction } from "./lifecycle.ts";
import type { InstanceRecord } from "./record.ts";
import type { InstanceRegistry } from "./registry.ts";
import type { Transitions } from "./transitions.ts";
import type { ModifyInstanceAttributeRequest, StopInstancesOptions } from "../requests/instances.ts";

export interface InstanceActionContext {
  readonly registry: InstanceRegistry;
  readonly builder: InstanceBuilder;
  readonly transitions: Transitions;
  readonly capacity: HostCapacityLedger;
}

const USER_SHUTDOWN: StateReason = {
  code: "Client.UserInitiatedShutdown",
  message: "Client.UserInitiatedShutdown: User initiated shutdown",
};
const USER_HIBERNATE: StateReason = {
  code: "Client.UserInitiatedHibernate",
  message: "Client.UserInitiatedHibernate: User initiated hibernate",
};

export class InstanceActions {
  readonly #ctx: InstanceActionContext;

  constructor(context: InstanceActionContext) {
    this.#ctx = context;
  }

  /** Boots stopped instances again from their root volumes (or resumes them); running ones are left as they are. */
  start(instanceIds: readonly string[]): Promise<InstanceStateChange[]> {
    return this.#transition(
      instanceIds,
      "start",
      (records) => this.#ctx.capacity.admitStarts(records),
      (record) => {
        const generation = this.#ctx.registry.begin(record, {
          state: instanceState("pending"),
          stateReason: null,
          stateTransitionReason: "",
          statusChecks: { system: "initializing", instance: "initializing" },
        });
        void this.#ctx.builder.boot(record, generation);
      },
    );
  }

  /**
   * The guest is asked to power off and cut off after a timeout; hibernation saves its memory
   * first. With force the emulator is stopped at once, also under a stop or hibernation already
   * waiting for the guest (which then ends where it is).
   */
  stop(instanceIds: readonly string[], options: StopInstancesOptions): Promise<InstanceStateChange[]> {
    const hibernate = options.hibernate ?? false;
    const force = options.force ?? false;
    const { registry, transitions } = this.#ctx;
    return this.#transition(instanceIds, hibernate ? "hibernate" : force ? "forceStop" : "stop", undefined, (record) => {
      const generation = registry.begin(record, {
        state: instanceState("stopping"),
        stateReason: hibernate ? USER_HIBERNATE : USER_SHUTDOWN,
        stateTransitionReason: userInitiated(new Date()),
      });
      if (hibernate) return transitions.hibernate(record, generation);
      transitions.endBilling(record);
      return transitions.powerOff(record, generation, force);
    });
  }

  /** Reboots the guest's operating system; the instance stays running, as on EC2. */
  async reboot(instanceIds: readonly string[]): Promise<void> {
    await this.#transition(instanceIds, "reboot", undefined, (record) => {
      const worker = record.runtime.worker;
      // An emulator that died is built again, as a reboot of an impaired instance is on EC2.
      if (!worker) return void this.#ctx.builder.restart(record);
      this.#ctx.registry.update(record, { statusChecks: { system: "ok", instance: "initializing" } });
      void worker.api.reboot().catch(() => undefined);
    });
  }

  terminate(instanceIds: readonly string[]): Promise<InstanceStateChange[]> {
    const { registry, transitions } = this.#ctx;
    return this.#transition(instanceIds, "terminate", undefined, (record) => {
      const generation = registry.begin(record, {
        state: instanceState("shutting-down"),
        stateTransitionReason: userInitiated(new Date()),
        stateReason: USER_SHUTDOWN,
      });
      transitions.endBilling(record);
      return transitions.terminate(record, generation);
    });
  }

  /** Changes an instance's type (only while stopped) or its termination and shutdown attributes; all or nothing. */
  modifyAttribute(instanceId: string, request: ModifyInstanceAttributeRequest): void {
    const { registry } = this.#ctx;
    const record = registry.get(instanceId);
    // A type change has its own rule (only while stopped), whose reason the console shows for it.
    if (request.instanceType !== undefined) registry.allow(record, "modifyInstanceType");
    registry.allow(record, "modifyInstanceAttribute");
    const changes: { -readonly [K in keyof Instance]?: Instance[K] } = {};
    let credits: CreditAccount | null | undefined;
    if (request.instanceType !== undefined) {
      const type = findInstanceType(request.instanceType);
      if (!type) {
        throw new Ec2Error(
          "InvalidParameterValue",
          `The instance type '${request.instanceType}' does not exist. See describeInstanceTypes for the ones offered.`,
        );
      }
      const image = record.config.image;
      if (type.memoryMib < image.minMemoryMib) {
        throw new Ec2Error(
          "InvalidParameterValue",
          `The image ${image.name} needs at least ${image.minMemoryMib} MiB; ${type.name} has ${type.memoryMib} MiB.`,
        );
      }
      changes.instanceType = type.name;
      changes.memoryMib = type.memoryMib;
      changes.cpuCredits = type.burstable ? (record.instance.cpuCredits ?? "unlimited") : null;
      credits = type.burstable ? new CreditAccount(type.burstable, changes.cpuCredits ?? "unlimited") : null;
    }
    if (request.disableApiTermination !== undefined) changes.disableApiTermination = request.disableApiTermination;
    if (request.instanceInitiatedShutdownBehavior !== undefined)
      changes.instanceInitiatedShutdownBehavior = request.instanceInitiatedShutdownBehavior;
    if (Object.keys(changes).length === 0) throw new Ec2Error("MissingParameter", "Say which attribute to change.");
    // Only now, with every part of the request accepted, does anything change.
    if (credits !== undefined) record.config.credits = credits;
    registry.update(record, changes);
  }

  /** Runs a shell command in the guest through its agent (as Systems Manager's RunCommand does). */
  async runCommand(instanceId: string, command: string, timeoutMs: number, options: ExecOptions = {}): Promise<ExecResult> {
    const record = this.#ctx.registry.withEmulator(instanceId, "runCommand");
    const worker = record.runtime.worker;
    if (!worker) throw new Ec2Error("IncorrectInstanceState", `The instance ${instanceId} has no running emulator.`);
    let result;
    record.runtime.commandsInFlight++;
    try {
      result = await (options.input || options.binaryStdout
        ? worker.api.exec(command, timeoutMs, options)
        : worker.api.exec(command, timeoutMs));
    } catch (error) {
      throw Ec2Error.from(toCloudError(error));
    } finally {
      record.runtime.commandsInFlight--;
    }
    return unwrap(result);
  }

  /**
   * Checks every instance first (and `admit`, when given) and changes nothing when one refuses;
   * then acts on each and waits for what the actions return. The changes report each
   * instance's state at the end.
   */
  async #transition(
    instanceIds: readonly string[],
    action: LifecycleAction,
    admit: ((records: readonly InstanceRecord[]) => void) | undefined,
    act: (record: InstanceRecord) => Promise<void> | void,
  ): Promise<InstanceStateChange[]> {
    const { registry } = this.#ctx;
    // A repeated id is one instance, acted on once: a second act would overtake the first.
    const records = [...new Set(registry.getAll(instanceIds))];
    const decisions = records.map((record) => registry.allow(record, action));
    admit?.(records);
    const previous = records.map((record) => record.instance.state);
    await Promise.all(records.map((record, i) => (decisions[i] === "proceed" ? act(record) : undefined)));
    return records.map((record, i) => ({
      instanceId: record.instance.instanceId,
      previousState: previous[i] as Instance["state"],
      currentState: record.instance.state,
    }));
  }
}
