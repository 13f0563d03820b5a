/**
 * Every instance the hypervisor knows, by id: lookups that answer as EC2 does (malformed or
 * unknown ids), and the one place an instance's described fields change, so every change is
 * announced and kept.
 */
import { Ec2Error } from "../../shared/errors.ts";
import { isInstanceId, newInstanceId } from "../resourceIds.ts";
import { findInstanceType, type InstanceType } from "./instanceTypes.ts";
import type { Instance } from "./instance.ts";
import { requireAllowed, type LifecycleAction } from "./lifecycle.ts";
import { nextGeneration, type InstanceRecord } from "./record.ts";

export interface RegistryContext {
  /** The instance's described fields changed: tell the listeners and keep the record. */
  changed(record: InstanceRecord): void;
  /** A terminated instance's listing expired. */
  removed(record: InstanceRecord): void;
  /** How long terminated instances stay listed (EC2: about an hour). */
  readonly terminatedVisibleMs: number;
}

export class InstanceRegistry {
  readonly #ctx: RegistryContext;
  readonly #records = new Map<string, InstanceRecord>();
  /** Terminated instances' pending removals, cleared when the hypervisor shuts down. */
  readonly #removals = new Set<ReturnType<typeof setTimeout>>();

  constructor(context: RegistryContext) {
    this.#ctx = context;
  }

  /** The instance, or InvalidInstanceID.Malformed / NotFound. */
  get(instanceId: string): InstanceRecord {
    if (!isInstanceId(instanceId)) {
      throw new Ec2Error("InvalidInstanceID.Malformed", `Invalid id: '${String(instanceId)}' (expected i- and 17 hex digits).`);
    }
    const record = this.#records.get(instanceId);
    if (!record) throw new Ec2Error("InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist.`);
    return record;
  }

  find(instanceId: string): InstanceRecord | undefined {
    return this.#records.get(instanceId);
  }

  /** Several instances (a validated list), each of which must exist. */
  getAll(instanceIds: readonly string[]): InstanceRecord[] {
    return instanceIds.map((id) => this.get(id));
  }

  /** The instance if the action is allowed now; the table's refusal otherwise. "no-op" when it changes nothing. */
  allow(record: InstanceRecord, action: LifecycleAction): "proceed" | "no-op" {
    return requireAllowed(action, record.instance);
  }

  /** A running instance whose emulator is there to talk to. */
  withEmulator(instanceId: string, action: LifecycleAction): InstanceRecord {
    const record = this.get(instanceId);
    this.allow(record, action);
    if (!record.runtime.worker) {
      throw new Ec2Error(
        "IncorrectInstanceState",
        `The instance ${instanceId} has no running emulator (see its status checks). Reboot or stop it.`,
      );
    }
    return record;
  }

  all(): InstanceRecord[] {
    return [...this.#records.values()];
  }

  /** Instances whose emulator runs. */
  running(): InstanceRecord[] {
    return this.all().filter((record) => record.instance.state.name === "running" && record.runtime.worker !== null);
  }

  /** Instances not terminated: what EC2's instance limit counts. */
  liveCount(): number {
    return this.all().filter((record) => record.instance.state.name !== "terminated").length;
  }

  freshId(): string {
    let id = newInstanceId();
    while (this.#records.has(id)) id = newInstanceId();
    return id;
  }

  add(record: InstanceRecord): void {
    this.#records.set(record.instance.instanceId, record);
  }

  has(record: InstanceRecord): boolean {
    return this.#records.get(record.instance.instanceId) === record;
  }

  update(record: InstanceRecord, changes: Partial<Instance>): void {
    record.instance = { ...record.instance, ...changes };
    this.#ctx.changed(record);
  }

  /** Starts a transition: later steps of older ones see the generation change and stop. */
  begin(record: InstanceRecord, changes: Partial<Instance>): number {
    const generation = nextGeneration(record.runtime);
    this.update(record, changes);
    return generation;
  }

  /** A terminated instance stays listed for a while, as on EC2, then goes. */
  forgetLater(record: InstanceRecord): void {
    const timer = setTimeout(() => {
      this.#removals.delete(timer);
      if (record.instance.state.name !== "terminated") return;
      this.#records.delete(record.instance.instanceId);
      this.#ctx.removed(record);
    }, this.#ctx.terminatedVisibleMs);
    this.#removals.add(timer);
    // Under Node, a pending removal must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
  }

  /** No more removals: the hypervisor is shutting down (what is listed stays in storage). */
  close(): void {
    for (const timer of this.#removals) clearTimeout(timer);
    this.#removals.clear();
  }

  typeOf(record: InstanceRecord): InstanceType {
    const type = findInstanceType(record.instance.instanceType);
    if (!type) throw new Error(`unknown instance type ${record.instance.instanceType}`);
    return type;
  }
}
