/**
 * EBS volumes and snapshots as the hypervisor keeps them: EC2's fields and rules (sizes, states,
 * what may be deleted when), with their blocks in the volume store. Instances' own rules
 * (attach only while stopped) are the hypervisor's; this module keeps the volumes consistent.
 */
import type { ImageBytes } from "../../shared/sharedBytes.ts";
import { Ec2Error } from "../../shared/errors.ts";
import { copyBlocks, OVERLAY_BLOCK_BYTES, type WrittenBlocks } from "../../disk/blockOverlay.ts";
import type { StoredSnapshot, StoredVolume, VolumeBase } from "../../persistence/database.ts";
import type { FleetStore } from "../../persistence/fleetStore.ts";
import type { VolumeStore } from "../../persistence/volumeStore.ts";
import { isResourceId, newResourceId } from "../resourceIds.ts";
import { EBS_PRICE_PER_GIB_MONTH_USD, SNAPSHOT_PRICE_PER_GIB_MONTH_USD, storageCostUsd } from "../metering/meter.ts";

export const ROOT_DEVICE = "/dev/sda";
export const DATA_DEVICE = "/dev/sdb";
/** Sizes a new volume may have, in MiB: the emulator holds a volume's base in memory. */
export const MIN_VOLUME_MIB = 1;
export const MAX_VOLUME_MIB = 1024;

interface VolumeAttachment {
  readonly instanceId: string;
  readonly device: string;
  readonly state: "attached";
  readonly deleteOnTermination: boolean;
}

/** A volume as describeVolumes shows it. */
export interface Volume {
  readonly volumeId: string;
  readonly sizeBytes: number;
  readonly volumeType: "gp3";
  readonly state: "available" | "in-use";
  readonly createTime: string;
  readonly snapshotId: string;
  readonly attachments: readonly VolumeAttachment[];
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  /** Bytes the guest has written (what the volume holds beyond its base). */
  readonly writtenBytes: number;
}

export interface Snapshot {
  readonly snapshotId: string;
  readonly volumeId: string;
  readonly volumeSizeBytes: number;
  readonly state: "completed";
  readonly startTime: string;
  readonly description: string;
  readonly storedBytes: number;
}

export interface StorageBill {
  /** Volumes other than instances' root volumes (those are on each instance's bill). */
  readonly volumesUsd: number;
  readonly snapshotsUsd: number;
  readonly totalUsd: number;
}

interface VolumeEntry {
  stored: StoredVolume;
  /** Every block written, in memory once the volume was first used this session. */
  blocks: WrittenBlocks | null;
  writtenBytes: number;
}

const LEDGER_KEY = "storage-ledger-usd";

export class VolumeRegistry {
  readonly #store: VolumeStore;
  readonly #fleet: FleetStore;
  readonly #volumes = new Map<string, VolumeEntry>();
  readonly #snapshots = new Map<string, StoredSnapshot>();
  /** Storage charges of volumes and snapshots already deleted. */
  #deletedUsd = 0;

  constructor(store: VolumeStore, fleet: FleetStore) {
    this.#store = store;
    this.#fleet = fleet;
  }

  async load(): Promise<void> {
    const [volumes, snapshots, ledger] = await Promise.all([
      this.#store.volumes(),
      this.#store.snapshots(),
      this.#fleet.setting<number>(LEDGER_KEY),
    ]);
    const counts = await Promise.all(volumes.map((stored) => this.#store.volumeBlockCount(stored.volumeId)));
    volumes.forEach((stored, i) =>
      this.#volumes.set(stored.volumeId, { stored, blocks: null, writtenBytes: (counts[i] ?? 0) * OVERLAY_BLOCK_BYTES }),
    );
    for (const snapshot of snapshots) this.#snapshots.set(snapshot.snapshotId, snapshot);
    this.#deletedUsd = ledger ?? 0;
  }

  describeVolumes(volumeIds?: readonly string[]): Volume[] {
    const entries = volumeIds ? volumeIds.map((id) => this.#entry(id)) : [...this.#volumes.values()];
    return entries.map((entry) => describeVolume(entry));
  }

  describeSnapshots(snapshotIds?: readonly string[]): Snapshot[] {
    const snapshots = snapshotIds ? snapshotIds.map((id) => this.snapshot(id)) : [...this.#snapshots.values()];
    return snapshots.map((snapshot) => ({ ...snapshot, volumeSizeBytes: snapshot.sizeBytes, state: "completed" }));
  }

  stored(volumeId: string): StoredVolume {
    return this.#entry(volumeId).stored;
  }

  snapshot(snapshotId: string): StoredSnapshot {
    if (!isResourceId("snap", snapshotId))
      throw new Ec2Error("InvalidSnapshotID.Malformed", `Invalid id: '${String(snapshotId)}' (expected snap- and 17 hex digits).`);
    const snapshot = this.#snapshots.get(snapshotId);
    if (!snapshot) throw new Ec2Error("InvalidSnapshot.NotFound", `The snapshot '${snapshotId}' does not exist.`);
    return snapshot;
  }

  /** The volume attached to an instance at a device, if any. */
  attachedAt(instanceId: string, device: string): StoredVolume | undefined {
    for (const { stored } of this.#volumes.values())
      if (stored.attachment?.instanceId === instanceId && stored.attachment.device === device) return stored;
    return undefined;
  }

  /**
   * Creates a volume: empty (zeros) of sizeMib, or from a snapshot (its size, its blocks copied).
   * Stored before it is returned.
   */
  async create(request: {
    readonly sizeBytes?: number;
    readonly base?: VolumeBase;
    readonly snapshotId?: string;
    readonly attachment?: StoredVolume["attachment"];
    readonly tags?: StoredVolume["tags"];
    /** Blocks it starts with over its base (a formatted file system). */
    readonly blocks?: WrittenBlocks;
  }): Promise<StoredVolume> {
    const snapshot = request.snapshotId ? this.snapshot(request.snapshotId) : null;
    const sizeBytes = snapshot?.sizeBytes ?? request.sizeBytes;
    if (sizeBytes === undefined || !Number.isInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % OVERLAY_BLOCK_BYTES !== 0) {
      throw new Ec2Error("InvalidParameterValue", `A volume of ${String(sizeBytes)} bytes is not possible.`);
    }
    const stored: StoredVolume = {
      volumeId: this.#freshId("vol"),
      sizeBytes,
      volumeType: "gp3",
      createTime: new Date().toISOString(),
      base: snapshot?.base ?? request.base ?? { kind: "zero" },
      snapshotId: snapshot?.snapshotId ?? "",
      attachment: request.attachment ?? null,
      tags: request.tags ?? [],
    };
    const blocks = snapshot ? await this.#store.snapshotBlocks(snapshot.snapshotId) : (request.blocks ?? new Map<number, Uint8Array>());
    await this.#store.createVolume(stored, blocks);
    this.#volumes.set(stored.volumeId, { stored, blocks, writtenBytes: bytesOf(blocks) });
    return stored;
  }

  /** Every block written to the volume (read from storage the first time). The caller must not change them. */
  async blocks(volumeId: string): Promise<WrittenBlocks> {
    const entry = this.#entry(volumeId);
    if (!entry.blocks) {
      entry.blocks = await this.#store.volumeBlocks(volumeId);
      entry.writtenBytes = bytesOf(entry.blocks);
    }
    return entry.blocks;
  }

  /** Stores blocks the guest wrote since the last flush. */
  async flush(volumeId: string, dirty: WrittenBlocks): Promise<void> {
    if (dirty.size === 0) return;
    const entry = this.#volumes.get(volumeId);
    if (!entry) return;
    const blocks = await this.blocks(volumeId);
    for (const [index, block] of dirty) blocks.set(index, block);
    entry.writtenBytes = bytesOf(blocks);
    await this.#store.writeBlocks(volumeId, dirty);
  }

  async setAttachment(volumeId: string, attachment: StoredVolume["attachment"]): Promise<void> {
    const entry = this.#entry(volumeId);
    const stored: StoredVolume = { ...entry.stored, attachment };
    await this.#store.putVolume(stored);
    entry.stored = stored;
  }

  async delete(volumeId: string): Promise<void> {
    const entry = this.#entry(volumeId);
    if (entry.stored.attachment) {
      throw new Ec2Error("VolumeInUse", `The volume ${volumeId} is attached to ${entry.stored.attachment.instanceId}: detach it first.`);
    }
    await this.#store.deleteVolume(volumeId);
    this.#volumes.delete(volumeId);
    await this.#charge(
      storageCostUsd(entry.stored.sizeBytes, EBS_PRICE_PER_GIB_MONTH_USD, Date.parse(entry.stored.createTime), Date.now()),
    );
  }

  /** A root volume deleted with its instance: billed on the instance's own meter. */
  async deleteWithInstance(volumeId: string): Promise<void> {
    if (!this.#volumes.has(volumeId)) return;
    await this.#store.deleteVolume(volumeId);
    this.#volumes.delete(volumeId);
  }

  /** Snapshots what is stored of the volume (flush first for a running instance's latest writes). */
  async createSnapshot(volumeId: string, description: string): Promise<Snapshot> {
    const { stored } = this.#entry(volumeId);
    const snapshot = await this.#store.createSnapshot({
      snapshotId: this.#freshId("snap"),
      volumeId,
      sizeBytes: stored.sizeBytes,
      base: stored.base,
      startTime: new Date().toISOString(),
      description,
    });
    this.#snapshots.set(snapshot.snapshotId, snapshot);
    return this.describeSnapshots([snapshot.snapshotId])[0] as Snapshot;
  }

  async deleteSnapshot(snapshotId: string, usedBy: string | null): Promise<void> {
    const snapshot = this.snapshot(snapshotId);
    if (usedBy)
      throw new Ec2Error("InvalidSnapshot.InUse", `The snapshot ${snapshotId} is the root of image ${usedBy}: deregister the image first.`);
    await this.#store.deleteSnapshot(snapshotId);
    this.#snapshots.delete(snapshotId);
    await this.#charge(storageCostUsd(snapshot.storedBytes, SNAPSHOT_PRICE_PER_GIB_MONTH_USD, Date.parse(snapshot.startTime), Date.now()));
  }

  /** The whole volume as a raw disk image: its base with every written block laid over it. */
  async export(volumeId: string, base: ImageBytes | null): Promise<Uint8Array> {
    const { stored } = this.#entry(volumeId);
    const bytes = new Uint8Array(stored.sizeBytes);
    if (base) bytes.set(new Uint8Array(base, 0, Math.min(base.byteLength, stored.sizeBytes)));
    for (const [index, block] of await this.blocks(volumeId)) bytes.set(block, index * OVERLAY_BLOCK_BYTES);
    return bytes;
  }

  /** A raw disk image as a new available volume: only its non-zero blocks are stored. */
  async import(bytes: Uint8Array, tags: StoredVolume["tags"]): Promise<StoredVolume> {
    const sizeBytes = Math.ceil(bytes.byteLength / OVERLAY_BLOCK_BYTES) * OVERLAY_BLOCK_BYTES;
    const blocks: WrittenBlocks = new Map();
    for (let index = 0; index * OVERLAY_BLOCK_BYTES < bytes.byteLength; index++) {
      const block = new Uint8Array(OVERLAY_BLOCK_BYTES);
      block.set(bytes.subarray(index * OVERLAY_BLOCK_BYTES, (index + 1) * OVERLAY_BLOCK_BYTES));
      if (block.some((byte) => byte !== 0)) blocks.set(index, block);
    }
    const stored: StoredVolume = {
      volumeId: this.#freshId("vol"),
      sizeBytes,
      volumeType: "gp3",
      createTime: new Date().toISOString(),
      base: { kind: "zero" },
      snapshotId: "",
      attachment: null,
      tags,
    };
    await this.#store.createVolume(stored, blocks);
    this.#volumes.set(stored.volumeId, { stored, blocks: copyBlocks(blocks), writtenBytes: bytesOf(blocks) });
    return stored;
  }

  /** What volumes (other than root volumes) and snapshots have cost so far. */
  bill(nowMs: number): StorageBill {
    let volumesUsd = this.#deletedUsd;
    for (const { stored } of this.#volumes.values()) {
      if (stored.attachment?.device === ROOT_DEVICE) continue;
      volumesUsd += storageCostUsd(stored.sizeBytes, EBS_PRICE_PER_GIB_MONTH_USD, Date.parse(stored.createTime), nowMs);
    }
    let snapshotsUsd = 0;
    for (const snapshot of this.#snapshots.values())
      snapshotsUsd += storageCostUsd(snapshot.storedBytes, SNAPSHOT_PRICE_PER_GIB_MONTH_USD, Date.parse(snapshot.startTime), nowMs);
    return { volumesUsd, snapshotsUsd, totalUsd: volumesUsd + snapshotsUsd };
  }

  async #charge(usd: number): Promise<void> {
    this.#deletedUsd += usd;
    await this.#fleet.putSetting(LEDGER_KEY, this.#deletedUsd);
  }

  #entry(volumeId: string): VolumeEntry {
    if (!isResourceId("vol", volumeId))
      throw new Ec2Error("InvalidVolumeID.Malformed", `Invalid id: '${String(volumeId)}' (expected vol- and 17 hex digits).`);
    const entry = this.#volumes.get(volumeId);
    if (!entry) throw new Ec2Error("InvalidVolume.NotFound", `The volume '${volumeId}' does not exist.`);
    return entry;
  }

  #freshId(prefix: "vol" | "snap"): string {
    let id = newResourceId(prefix);
    while (this.#volumes.has(id) || this.#snapshots.has(id)) id = newResourceId(prefix);
    return id;
  }
}

function bytesOf(blocks: WrittenBlocks): number {
  return blocks.size * OVERLAY_BLOCK_BYTES;
}

function describeVolume(entry: VolumeEntry): Volume {
  const { stored } = entry;
  return {
    volumeId: stored.volumeId,
    sizeBytes: stored.sizeBytes,
    volumeType: stored.volumeType,
    state: stored.attachment ? "in-use" : "available",
    createTime: stored.createTime,
    snapshotId: stored.snapshotId,
    attachments: stored.attachment ? [{ ...stored.attachment, state: "attached" }] : [],
    tags: stored.tags,
    writtenBytes: entry.writtenBytes,
  };
}
