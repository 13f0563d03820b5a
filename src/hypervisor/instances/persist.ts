/**
 * An instance's record as it is kept in storage and read back after a reload: a versioned
 * layout, validated field by field before anything of it is used, so a record written by an
 * older version, or damaged, is recognised rather than trusted. Saves of one instance collapse
 * into one while another runs.
 */
import * as v from "valibot";
import { ImageManifestSchema } from "../../images/manifest.ts";
import type { StoredInstance } from "../../persistence/database.ts";
import type { FleetStore } from "../../persistence/fleetStore.ts";
import { CreditAccount } from "../capacity/cpuCredits.ts";
import { InstanceMeter, type MeterState } from "../metering/meter.ts";
import { INSTANCE_STATE_CODES, NO_NETWORK, type Instance, type InstanceStateName } from "./instance.ts";
import { findInstanceType } from "./instanceTypes.ts";
import type { InstanceConfig, InstanceRecord } from "./record.ts";

/**
 * The layout this version writes. Version 1 (no `version` field) had the same fields; version 2
 * adds the field so a later layout can be told apart; version 3 adds the instance's
 * `hibernationOptions`; version 4 its network (EC2's networking fields, its interface, the user
 * data the metadata service serves). Records before 4 read as instances with no network.
 */
export const INSTANCE_RECORD_VERSION = 4;

const STATE_NAMES = Object.keys(INSTANCE_STATE_CODES) as [InstanceStateName, ...InstanceStateName[]];
const StatusCheckSchema = v.picklist(["initializing", "ok", "impaired", "not-applicable"]);
const TagSchema = v.object({ key: v.string(), value: v.string() });
const finite = v.pipe(v.number(), v.finite());

const InstanceSchema = v.object({
  instanceId: v.string(),
  imageId: v.string(),
  instanceType: v.string(),
  memoryMib: finite,
  state: v.object({ name: v.picklist(STATE_NAMES), code: v.number() }),
  stateTransitionReason: v.string(),
  stateReason: v.nullable(v.object({ code: v.string(), message: v.string() })),
  launchTime: v.string(),
  tags: v.array(TagSchema),
  statusChecks: v.object({ system: StatusCheckSchema, instance: StatusCheckSchema }),
  rootDeviceType: v.picklist(["ebs", "instance-store"]),
  rootDeviceName: v.string(),
  disableApiTermination: v.boolean(),
  instanceInitiatedShutdownBehavior: v.picklist(["stop", "terminate"]),
  cpuCredits: v.nullable(v.picklist(["standard", "unlimited"])),
  hibernationOptions: v.optional(v.object({ configured: v.boolean() })),
  hibernated: v.optional(v.boolean(), false),
  launchProgress: v.optional(v.nullable(v.object({ loadedBytes: finite, totalBytes: finite })), null),
  ...networkingEntries(),
});

/** The networking fields, each defaulting to "no network" for a record kept before instances had one. */
function networkingEntries() {
  const GroupSchema = v.object({ groupId: v.string(), groupName: v.string() });
  const InterfaceSchema = v.object({
    networkInterfaceId: v.string(),
    macAddress: v.string(),
    privateIpAddress: v.string(),
    privateDnsName: v.string(),
    subnetId: v.string(),
    vpcId: v.string(),
    groups: v.array(GroupSchema),
    association: v.nullable(v.object({ publicIp: v.string(), publicDnsName: v.string() })),
    sourceDestCheck: v.literal(true),
    status: v.literal("in-use"),
  });
  const MetadataOptionsSchema = v.object({
    httpEndpoint: v.picklist(["enabled", "disabled"]),
    httpTokens: v.picklist(["optional", "required"]),
    httpPutResponseHopLimit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)),
    instanceMetadataTags: v.picklist(["enabled", "disabled"]),
  });
  const none = NO_NETWORK;
  return {
    placement: v.optional(v.object({ availabilityZone: v.nullable(v.string()) }), none.placement),
    vpcId: v.optional(v.nullable(v.string()), none.vpcId),
    subnetId: v.optional(v.nullable(v.string()), none.subnetId),
    privateIpAddress: v.optional(v.nullable(v.string()), none.privateIpAddress),
    publicIpAddress: v.optional(v.nullable(v.string()), none.publicIpAddress),
    privateDnsName: v.optional(v.string(), none.privateDnsName),
    publicDnsName: v.optional(v.string(), none.publicDnsName),
    securityGroups: v.optional(v.array(GroupSchema), []),
    networkInterfaces: v.optional(v.array(InterfaceSchema), []),
    metadataOptions: v.optional(MetadataOptionsSchema, none.metadataOptions),
  };
}

const MeterStateSchema = v.object({
  runs: v.array(v.object({ pricePerHourUsd: finite, startMs: finite, endMs: v.nullable(finite) })),
  volumeSizeBytes: finite,
  volumeCreatedMs: finite,
  volumeDeletedMs: v.nullable(finite),
  surplusCredits: finite,
});

const StoredRecordSchema = v.object({
  version: v.optional(v.picklist([1, 2, 3, INSTANCE_RECORD_VERSION]), 1),
  instance: InstanceSchema,
  image: ImageManifestSchema,
  rootVolumeId: v.string(),
  userData: v.nullable(v.string()),
  /** The user data given at launch, which the metadata service serves for the instance's life. */
  launchUserData: v.optional(v.nullable(v.string()), null),
  networkInterfaceId: v.optional(v.nullable(v.string()), null),
  associatePublicIpAddress: v.optional(v.boolean(), false),
  hasRun: v.boolean(),
  terminalSize: v.object({ rows: v.pipe(v.number(), v.integer()), cols: v.pipe(v.number(), v.integer()) }),
  meter: MeterStateSchema,
  credits: v.nullable(v.object({ balance: finite, surplus: finite, mode: v.picklist(["standard", "unlimited"]) })),
  savedAtMs: finite,
});

type StoredRecord = v.InferOutput<typeof StoredRecordSchema>;

/** A record read back: the instance as kept and its configuration, or why it cannot be used. */
export type ReadBack =
  | { readonly ok: true; readonly instance: Instance; readonly config: InstanceConfig; readonly savedAtMs: number }
  | { readonly ok: false; readonly instanceId: string; readonly reason: string };

export function toStored(record: InstanceRecord, savedAtMs: number): StoredInstance & StoredRecord {
  const { config } = record;
  return {
    version: INSTANCE_RECORD_VERSION,
    instance: record.instance as StoredRecord["instance"],
    image: config.image,
    rootVolumeId: config.rootVolumeId ?? "",
    userData: config.userData,
    launchUserData: config.launchUserData,
    networkInterfaceId: config.networkInterfaceId,
    associatePublicIpAddress: config.associatePublicIpAddress,
    hasRun: config.hasRun,
    terminalSize: config.terminalSize,
    meter: config.meter.toState() as StoredRecord["meter"],
    credits: config.credits ? { balance: config.credits.balance, surplus: config.credits.surplus, mode: config.credits.mode } : null,
    savedAtMs,
  };
}

/** Checks a kept record and rebuilds the instance's configuration from it. */
export function readBack(kept: StoredInstance): ReadBack {
  const parsed = v.safeParse(StoredRecordSchema, kept);
  const instanceId = typeof kept.instance?.instanceId === "string" ? kept.instance.instanceId : "(unknown)";
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join(".") ?? "";
    return { ok: false, instanceId, reason: `its stored record is not valid (${path ? `${path}: ` : ""}${issue.message})` };
  }
  const stored = parsed.output;
  const type = findInstanceType(stored.instance.instanceType);
  if (!type) return { ok: false, instanceId, reason: `its instance type ${stored.instance.instanceType} is no longer offered` };
  const credits =
    stored.credits && type.burstable
      ? new CreditAccount(type.burstable, stored.credits.mode, stored.credits.balance, stored.credits.surplus)
      : null;
  const instance: Instance = { ...stored.instance, hibernationOptions: stored.instance.hibernationOptions ?? hibernatedBefore(stored) };
  return {
    ok: true,
    instance,
    savedAtMs: stored.savedAtMs,
    config: {
      image: stored.image,
      rootVolumeId: stored.rootVolumeId || null,
      userData: stored.userData,
      launchUserData: stored.launchUserData,
      networkInterfaceId: stored.networkInterfaceId,
      associatePublicIpAddress: stored.associatePublicIpAddress,
      hasRun: stored.hasRun,
      terminalSize: stored.terminalSize,
      meter: InstanceMeter.fromState(stored.meter as MeterState),
      credits,
    },
  };
}

/**
 * A record from before hibernation had to be enabled at launch: hibernation is off, as EC2's
 * default, unless the instance is hibernated or was hibernating when kept, so it resumes and may
 * hibernate again.
 */
function hibernatedBefore(stored: StoredRecord): Instance["hibernationOptions"] {
  const { hibernated, stateReason } = stored.instance;
  return { configured: hibernated || stateReason?.code === "Client.UserInitiatedHibernate" };
}

export interface PersistContext {
  readonly fleet: FleetStore;
  /** False once the instance's listing expired: its record is not written again. */
  isListed(record: InstanceRecord): boolean;
}

/**
 * Keeps instances' records in storage. One write runs at a time, and the saves of any instances
 * asked for meanwhile (or in the same task) go together in the next, one IndexedDB transaction:
 * a transaction per instance per change was most of what the page's main thread ran in
 * Chromium, with sixteen instances running, of its own code.
 */
export class InstancePersistence {
  readonly #ctx: PersistContext;
  #closed = false;
  readonly #dirty = new Set<InstanceRecord>();
  /** The write that will take the records saved from now on. */
  #next: Promise<void> | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(context: PersistContext) {
    this.#ctx = context;
  }

  /** Resolves once the record, as it is when the write starts, is stored (or could not be). */
  save(record: InstanceRecord): Promise<void> {
    if (this.#closed) return record.runtime.saving;
    this.#dirty.add(record);
    this.#next ??= this.#writing.then(() => this.#write());
    record.runtime.saving = this.#next;
    return this.#next;
  }

  #write(): Promise<void> {
    this.#next = null;
    const records = [...this.#dirty].filter((record) => this.#ctx.isListed(record) || record.instance.state.name !== "terminated");
    this.#dirty.clear();
    const now = Date.now();
    // Kept in memory if storage fails; the next change tries again.
    this.#writing = this.#ctx.fleet.putInstances(records.map((record) => toStored(record, now))).catch(() => undefined);
    return this.#writing;
  }

  /** No more saves: the hypervisor is shutting down. */
  close(): void {
    this.#closed = true;
  }
}
