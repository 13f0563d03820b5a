/**
 * EC2's EBS actions: volumes (create, attach, detach, delete, export, import) and snapshots.
 * What an instance's state allows (attach and detach only while stopped, not hibernated) comes
 * from the lifecycle table, through the few facts the hypervisor gives them.
 */
import type { ImageRepository } from "../../images/imageRepository.ts";
import { VOLUME_TEMPLATE_SIZES_MIB } from "../../images/volumeTemplates.ts";
import { Ec2Error, unwrap } from "../../shared/errors.ts";
import { OVERLAY_BLOCK_BYTES, type WrittenBlocks } from "../../disk/blockOverlay.ts";
import { decodeBlockSet } from "../../disk/blockSet.ts";
import { requireAllowed, type InstanceFacts } from "../instances/lifecycle.ts";
import type { CreateVolumeRequest, ImportVolumeRequest } from "../requests/ebs.ts";
import { DATA_DEVICE, ROOT_DEVICE, type Snapshot, type StorageBill, type Volume, type VolumeRegistry } from "./volumes.ts";

export interface EbsContext {
  readonly volumes: VolumeRegistry;
  readonly images: ImageRepository;
  /** The instance, or InvalidInstanceID.NotFound / Malformed. */
  instance(instanceId: string): InstanceFacts;
  /** The instance if it is still listed. */
  knownInstance(instanceId: string): InstanceFacts | undefined;
  /** Stores what a running instance's guest wrote last (nothing to do for the others). */
  flushWrites(instanceId: string): Promise<void>;
  /** Volumes or snapshots changed. */
  changed(): void;
}

export class EbsActions {
  readonly #ctx: EbsContext;

  constructor(context: EbsContext) {
    this.#ctx = context;
  }

  describeVolumes(request: { readonly volumeIds?: readonly string[] } = {}): Volume[] {
    return this.#ctx.volumes.describeVolumes(request.volumeIds);
  }

  describeSnapshots(request: { readonly snapshotIds?: readonly string[] } = {}): Snapshot[] {
    return this.#ctx.volumes.describeSnapshots(request.snapshotIds);
  }

  /**
   * Creates an available volume: raw (all zeros) of sizeMib, formatted (an empty ext4 file system
   * of one of the offered sizes, ready to mount), or from a snapshot.
   */
  async createVolume(request: CreateVolumeRequest): Promise<Volume> {
    let blocks: WrittenBlocks | undefined;
    // The request was validated (requests/ebs.ts): a size of whole MiB in range, or a snapshot; ext4 only without one.
    const size = request.sizeMib ?? 0;
    if (request.snapshotId === undefined) {
      if (request.filesystem !== undefined) {
        const template = unwrap(await this.#ctx.images.volumeTemplate("ext4", size));
        if (!template)
          throw new Ec2Error(
            "InvalidParameterValue",
            `Formatted ext4 volumes come in ${VOLUME_TEMPLATE_SIZES_MIB.join(", ")} MiB; for ${size} MiB create a raw volume and run mke2fs on it in the instance.`,
          );
        blocks = decodeBlockSet(new Uint8Array(template.bytes), OVERLAY_BLOCK_BYTES);
      }
    }
    const stored = await this.#ctx.volumes.create({
      ...(request.snapshotId !== undefined ? { snapshotId: request.snapshotId } : { sizeBytes: size * 1024 * 1024 }),
      ...(blocks ? { blocks } : {}),
      tags: request.tags ?? [],
    });
    this.#ctx.changed();
    return this.#ctx.volumes.describeVolumes([stored.volumeId])[0] as Volume;
  }

  /** Attaches an available volume to a stopped instance as its second disk (the guest's /dev/sdb). */
  async attachVolume(volumeId: string, instanceId: string): Promise<Volume> {
    const volume = this.#ctx.volumes.stored(volumeId);
    const record = this.#ctx.instance(instanceId);
    if (volume.attachment)
      throw new Ec2Error("VolumeInUse", `The volume ${volumeId} is already attached to ${volume.attachment.instanceId}.`);
    requireAllowed("attachVolume", record);
    if (this.#ctx.volumes.attachedAt(instanceId, DATA_DEVICE)) {
      throw new Ec2Error("InvalidDevice.InUse", `The instance ${instanceId} already has a volume at ${DATA_DEVICE}: detach it first.`);
    }
    await this.#ctx.volumes.setAttachment(volumeId, { instanceId, device: DATA_DEVICE, deleteOnTermination: false });
    this.#ctx.changed();
    return this.#ctx.volumes.describeVolumes([volumeId])[0] as Volume;
  }

  async detachVolume(volumeId: string): Promise<Volume> {
    const volume = this.#ctx.volumes.stored(volumeId);
    if (!volume.attachment) throw new Ec2Error("IncorrectState", `The volume ${volumeId} is not attached to anything.`);
    if (volume.attachment.device === ROOT_DEVICE) {
      throw new Ec2Error(
        "OperationNotPermitted",
        `The volume ${volumeId} is the root volume of ${volume.attachment.instanceId}: it stays with the instance.`,
      );
    }
    const record = this.#ctx.knownInstance(volume.attachment.instanceId);
    if (record) requireAllowed("detachVolume", record);
    await this.#ctx.volumes.setAttachment(volumeId, null);
    this.#ctx.changed();
    return this.#ctx.volumes.describeVolumes([volumeId])[0] as Volume;
  }

  async deleteVolume(volumeId: string): Promise<void> {
    await this.#ctx.volumes.delete(volumeId);
    this.#ctx.changed();
  }

  /**
   * Snapshots a volume as stored. For a running instance its latest writes are stored first:
   * the snapshot is crash-consistent, as EC2's is without a reboot.
   */
  async createSnapshot(volumeId: string, description = ""): Promise<Snapshot> {
    const volume = this.#ctx.volumes.stored(volumeId);
    if (volume.attachment) await this.#ctx.flushWrites(volume.attachment.instanceId);
    const snapshot = await this.#ctx.volumes.createSnapshot(volumeId, description);
    this.#ctx.changed();
    return snapshot;
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    const images = await this.#ctx.images.describeImages();
    const usedBy = images.ok ? images.value.find((image) => image.rootSnapshotId === snapshotId) : undefined;
    await this.#ctx.volumes.deleteSnapshot(snapshotId, usedBy?.imageId ?? null);
    this.#ctx.changed();
  }

  /** The whole volume as a raw disk image (for a .img download); the instance's latest writes are stored first. */
  async exportVolume(volumeId: string): Promise<Uint8Array> {
    const volume = this.#ctx.volumes.stored(volumeId);
    if (volume.attachment) await this.#ctx.flushWrites(volume.attachment.instanceId);
    const base = volume.base.kind === "blob" ? unwrap(await this.#ctx.images.wholeBlob(volume.base.sha256)) : null;
    if (volume.base.kind === "blob" && !base)
      throw new Ec2Error("InvalidAMIID.Unavailable", `The image file under ${volumeId} is no longer in this browser.`);
    return this.#ctx.volumes.export(volumeId, base ?? null);
  }

  /** A raw disk image file as a new available volume. */
  async importVolume(bytes: Uint8Array, request: ImportVolumeRequest): Promise<Volume> {
    const stored = await this.#ctx.volumes.import(bytes, request.name ? [{ key: "Name", value: request.name }] : []);
    this.#ctx.changed();
    return this.#ctx.volumes.describeVolumes([stored.volumeId])[0] as Volume;
  }

  /** What volumes other than root volumes, and snapshots, have cost so far. */
  getStorageBill(): StorageBill {
    return this.#ctx.volumes.bill(Date.now());
  }
}
