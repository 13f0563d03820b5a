/**
 * The hypervisor's storage actions, as EC2 names them: volumes, snapshots and images made or
 * imported here. They keep EC2's rules about instances (attach only while stopped, images of
 * running or stopped instances) through the few facts the hypervisor gives them.
 */
import type { ImageDescription, ImageRepository } from "../../images/imageRepository.ts";
import { checkKernel, checkRootDisk } from "../../images/importedImage.ts";
import { imageIdFor, parseManifest, type ImageManifest } from "../../images/manifest.ts";
import { sha256Hex } from "../../images/sha256.ts";
import { VOLUME_TEMPLATE_SIZES_MIB } from "../../images/volumeTemplates.ts";
import { Ec2Error, unwrap } from "../../shared/errors.ts";
import { OVERLAY_BLOCK_BYTES, type WrittenBlocks } from "../../disk/blockOverlay.ts";
import { decodeBlockSet } from "../../disk/blockSet.ts";
import type { InstanceStateName } from "../instances/instance.ts";
import {
  DATA_DEVICE,
  MAX_VOLUME_MIB,
  MIN_VOLUME_MIB,
  ROOT_DEVICE,
  type Snapshot,
  type StorageBill,
  type Volume,
  type VolumeRegistry,
} from "./volumes.ts";

/** What the storage actions need to know of an instance. */
export interface InstanceFacts {
  readonly instanceId: string;
  readonly state: InstanceStateName;
  readonly hibernated: boolean;
  readonly rootVolumeId: string | null;
  readonly image: ImageManifest;
}

export interface StorageContext {
  readonly volumes: VolumeRegistry;
  readonly images: ImageRepository;
  /** The instance, or InvalidInstanceID.NotFound / Malformed. */
  instance(instanceId: string): InstanceFacts;
  knownInstance(instanceId: string): InstanceFacts | undefined;
  /** Stores what a running instance's guest wrote last (nothing to do for the others). */
  flushWrites(instanceId: string): Promise<void>;
  describeImages(): Promise<ImageDescription[]>;
  /** Volumes, snapshots or images changed. */
  changed(): void;
}

export class StorageActions {
  readonly #ctx: StorageContext;

  constructor(context: StorageContext) {
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
  async createVolume(request: {
    readonly sizeMib?: number;
    readonly snapshotId?: string;
    readonly filesystem?: "ext4";
    readonly tags?: readonly { key: string; value: string }[];
  }): Promise<Volume> {
    let blocks: WrittenBlocks | undefined;
    if (request.snapshotId === undefined) {
      const size = request.sizeMib;
      if (size === undefined) throw new Ec2Error("MissingParameter", "Give the volume's size (sizeMib) or a snapshot to create it from.");
      if (!Number.isInteger(size) || size < MIN_VOLUME_MIB || size > MAX_VOLUME_MIB) {
        throw new Ec2Error(
          "InvalidParameterValue",
          `A volume's size must be a whole number of MiB from ${MIN_VOLUME_MIB} to ${MAX_VOLUME_MIB}, not ${String(size)}.`,
        );
      }
      if (request.filesystem !== undefined) {
        if (request.filesystem !== "ext4")
          throw new Ec2Error(
            "InvalidParameterValue",
            `The file system '${String(request.filesystem)}' is not offered: use ext4, or none for a raw volume.`,
          );
        const template = unwrap(await this.#ctx.images.volumeTemplate("ext4", size));
        if (!template)
          throw new Ec2Error(
            "InvalidParameterValue",
            `Formatted ext4 volumes come in ${VOLUME_TEMPLATE_SIZES_MIB.join(", ")} MiB; for ${size} MiB create a raw volume and run mke2fs on it in the instance.`,
          );
        blocks = decodeBlockSet(new Uint8Array(template.bytes), OVERLAY_BLOCK_BYTES);
      }
    } else if (request.filesystem !== undefined) {
      throw new Ec2Error("InvalidParameterValue", "A volume made from a snapshot has the snapshot's file system: leave out filesystem.");
    }
    const stored = await this.#ctx.volumes.create({
      ...(request.snapshotId !== undefined ? { snapshotId: request.snapshotId } : { sizeBytes: (request.sizeMib ?? 0) * 1024 * 1024 }),
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
    this.#needsStopped(record, "attach a volume to");
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
    if (record && record.state !== "terminated") this.#needsStopped(record, "detach a volume from");
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

  /**
   * EC2's CreateImage: a new AMI whose root is a snapshot of the instance's root volume.
   * Instances launched from it start with the instance's files.
   */
  async createImage(instanceId: string, request: { readonly name: string; readonly description?: string }): Promise<ImageDescription> {
    const record = this.#ctx.instance(instanceId);
    const name = request.name;
    if (typeof name !== "string" || !/^[A-Za-z0-9()[\]./\-'@_ ]{3,128}$/.test(name)) {
      throw new Ec2Error("InvalidParameterValue", "An image's name must be 3 to 128 letters, digits, spaces or ( ) [ ] . / - ' @ _.");
    }
    if ((await this.#ctx.describeImages()).some((image) => image.name === name)) {
      throw new Ec2Error("InvalidParameterValue", `An image named '${name}' already exists.`);
    }
    if (!record.rootVolumeId)
      throw new Ec2Error(
        "UnsupportedOperation",
        `The instance ${instanceId} has an instance-store root: there is no volume to make an image of.`,
      );
    if (record.state !== "running" && record.state !== "stopped") {
      throw new Ec2Error(
        "IncorrectInstanceState",
        `The instance '${instanceId}' is ${record.state}; an image can be made of a running or stopped instance.`,
      );
    }
    const snapshot = await this.createSnapshot(record.rootVolumeId, `Root volume of ${name} (from ${instanceId})`);
    const files = record.image.files;
    const kernelCommandLine = record.image.kernelCommandLine;
    const imageId = (await imageIdFor(files, `${kernelCommandLine}\nsnapshot:${snapshot.snapshotId}`)) as string;
    const manifest: ImageManifest = {
      ...record.image,
      imageId,
      name,
      description: request.description ?? `Made from ${instanceId} (${record.image.name})`,
      creationDate: new Date().toISOString(),
    };
    await this.#ctx.images.register(
      {
        imageId,
        manifest: parsedManifest(manifest),
        source: "created",
        registeredAt: manifest.creationDate,
        rootSnapshotId: snapshot.snapshotId,
      },
      [],
    );
    this.#ctx.changed();
    return (await this.#ctx.describeImages()).find((image) => image.imageId === imageId) as ImageDescription;
  }

  /**
   * Forgets an image in this browser and frees its files unless something still uses them.
   * Instances launched from it keep running and booting. An image of the served catalog stays
   * listed, to download again.
   */
  async deregisterImage(imageId: string): Promise<{ freedBytes: number }> {
    const image = (await this.#ctx.describeImages()).find((candidate) => candidate.imageId === imageId);
    if (!image) throw new Ec2Error("InvalidAMIID.NotFound", `The image id '${String(imageId)}' does not exist.`);
    const freedBytes = await this.#ctx.images.deregister(imageId);
    this.#ctx.changed();
    return { freedBytes };
  }

  /**
   * Registers an image from a Linux kernel (bzImage) and a raw ext4 root disk a person gives.
   * It boots with the catalog's BIOS and, unless told otherwise, the default image's kernel
   * command line.
   */
  async importImage(request: {
    readonly name: string;
    readonly kernel: Uint8Array;
    readonly rootDisk: Uint8Array;
    readonly kernelCommandLine?: string;
  }): Promise<ImageDescription> {
    const { name, kernel } = request;
    if (typeof name !== "string" || !/^[A-Za-z0-9()[\]./\-'@_ ]{3,128}$/.test(name)) {
      throw new Ec2Error("InvalidParameterValue", "An image's name must be 3 to 128 letters, digits, spaces or ( ) [ ] . / - ' @ _.");
    }
    if (!(kernel instanceof Uint8Array) || !(request.rootDisk instanceof Uint8Array))
      throw new Ec2Error("MissingParameter", "Give a kernel file and a root disk file.");
    checkKernel(kernel);
    const rootDisk = checkRootDisk(request.rootDisk);
    const images = await this.#ctx.describeImages();
    if (images.some((image) => image.name === name))
      throw new Ec2Error("InvalidParameterValue", `An image named '${name}' already exists.`);
    const base = images.find((image) => image.source === "catalog" && image.rootDeviceType === "ebs");
    if (!base)
      throw new Ec2Error(
        "InvalidAMIID.Unavailable",
        "No catalog image is available to take the BIOS from (offline before the first download?).",
      );
    unwrap(await this.#ctx.images.download(base.imageId));
    const kernelCommandLine = request.kernelCommandLine ?? base.kernelCommandLine;
    if (typeof kernelCommandLine !== "string" || kernelCommandLine.length > 2048)
      throw new Ec2Error("InvalidParameterValue", "The kernel command line must be text of at most 2048 characters.");
    const file = async (path: string, bytes: Uint8Array) => ({
      path,
      encoding: "identity" as const,
      sizeBytes: bytes.byteLength,
      sha256: await sha256Hex(bytes as Uint8Array<ArrayBuffer>),
      encodedSizeBytes: bytes.byteLength,
    });
    const files = {
      bios: base.files.bios,
      vgaBios: base.files.vgaBios,
      kernel: await file("bzImage", kernel),
      rootVolume: await file("root.img", rootDisk),
    };
    const imageId = await imageIdFor(files, kernelCommandLine);
    if (images.some((image) => image.imageId === imageId))
      throw new Ec2Error("InvalidParameterValue", `These files are already registered as ${imageId}.`);
    const manifest: ImageManifest = {
      ...base,
      imageId,
      name,
      description: `Imported: a ${(kernel.byteLength / 1024 / 1024).toFixed(1)} MiB kernel and a ${(rootDisk.byteLength / 1024 / 1024).toFixed(0)} MiB root disk.`,
      os: "Linux",
      distribution: "imported",
      version: "",
      kernelCommandLine,
      rootDeviceType: "ebs",
      rootVolumeSizeBytes: rootDisk.byteLength,
      creationDate: new Date().toISOString(),
      files,
    };
    const copy = (bytes: Uint8Array) => bytes.slice().buffer;
    await this.#ctx.images.register(
      { imageId, manifest: parsedManifest(manifest), source: "imported", registeredAt: manifest.creationDate, rootSnapshotId: null },
      [
        { sha256: files.kernel.sha256, sizeBytes: files.kernel.sizeBytes, bytes: copy(kernel) },
        { sha256: files.rootVolume.sha256, sizeBytes: files.rootVolume.sizeBytes, bytes: copy(rootDisk) },
      ],
    );
    this.#ctx.changed();
    return (await this.#ctx.describeImages()).find((image) => image.imageId === imageId) as ImageDescription;
  }

  /** The whole volume as a raw disk image (for a .img download); the instance's latest writes are stored first. */
  async exportVolume(volumeId: string): Promise<Uint8Array> {
    const volume = this.#ctx.volumes.stored(volumeId);
    if (volume.attachment) await this.#ctx.flushWrites(volume.attachment.instanceId);
    const base = volume.base.kind === "blob" ? await this.#ctx.images.blob(volume.base.sha256) : null;
    if (volume.base.kind === "blob" && !base)
      throw new Ec2Error("InvalidAMIID.Unavailable", `The image file under ${volumeId} is no longer in this browser.`);
    return this.#ctx.volumes.export(volumeId, base ?? null);
  }

  /** A raw disk image file as a new available volume. */
  async importVolume(bytes: Uint8Array, request: { readonly name?: string } = {}): Promise<Volume> {
    if (!(bytes instanceof Uint8Array)) throw new Ec2Error("InvalidParameterValue", "Give the disk image's bytes.");
    const stored = await this.#ctx.volumes.import(bytes, request.name ? [{ key: "Name", value: request.name }] : []);
    this.#ctx.changed();
    return this.#ctx.volumes.describeVolumes([stored.volumeId])[0] as Volume;
  }

  /** What volumes other than root volumes, and snapshots, have cost so far. */
  getStorageBill(): StorageBill {
    return this.#ctx.volumes.bill(Date.now());
  }

  #needsStopped(record: InstanceFacts, action: string): void {
    const state = record.state;
    if (state !== "stopped")
      throw new Ec2Error("IncorrectInstanceState", `Cannot ${action} the instance ${record.instanceId}: it is ${state}; stop it first.`);
    if (record.hibernated) {
      throw new Ec2Error(
        "IncorrectInstanceState",
        `Cannot ${action} the instance ${record.instanceId}: it is hibernated, with its disks in its saved memory. Start it and stop it without hibernating first.`,
      );
    }
  }
}

/** A manifest made here, checked as strictly as a served one. */
function parsedManifest(manifest: ImageManifest): ImageManifest {
  return unwrap(parseManifest(manifest, manifest.name));
}
