/**
 * EC2's image actions: the images (AMIs) this browser offers and holds, downloading one, making
 * one of an instance's root volume (CreateImage), importing one from files, and deregistering.
 */
import type { AptMirror } from "../images/aptMirror.ts";
import type { ImageDescription, ImageRepository, LoadOptions } from "../images/imageRepository.ts";
import { checkKernel, checkRootDisk } from "../images/importedImage.ts";
import { imageIdFor, parseManifest, type ImageManifest } from "../images/manifest.ts";
import { sha256Hex } from "../images/sha256.ts";
import { Ec2Error, unwrap } from "../shared/errors.ts";
import type { Snapshot } from "./ebs/volumes.ts";
import { requireAllowed, type InstanceFacts } from "./instances/lifecycle.ts";
import type { CreateImageRequest, ImportImageRequest } from "./requests/images.ts";
import type { FastLaunchImage, GoldenStates } from "./golden/goldenStates.ts";
import { goldenIdentity } from "./golden/identity.ts";
import { VPC_MTU } from "../net/topology.ts";
import type { EmulatorDevices } from "../worker/api.ts";

export interface ImageContext {
  readonly images: ImageRepository;
  /** The instance (or InvalidInstanceID.NotFound / Malformed), its root volume and the image it was launched from. */
  instance(instanceId: string): { readonly instance: InstanceFacts; readonly rootVolumeId: string | null; readonly image: ImageManifest };
  createSnapshot(volumeId: string, description: string): Promise<Snapshot>;
  /** The image files the hypervisor's instances boot from: kept while any instance may boot again. */
  instanceBlobs(): ReadonlySet<string>;
  /** The images' golden states (fast launch). */
  readonly goldens: GoldenStates;
  /** The offline apt archive Debian images install from, made available offline with them. */
  readonly aptMirror: AptMirror | null;
  /** Images changed. */
  changed(): void;
}

/** The devices of every instance with a network interface, as a golden state made ahead of time has them. */
const VPC_INSTANCE_DEVICES: EmulatorDevices = { nic: { type: "virtio", mtu: VPC_MTU, macAddress: "02:00:00:00:00:01" } };

export class ImageActions {
  readonly #ctx: ImageContext;

  constructor(context: ImageContext) {
    this.#ctx = context;
  }

  async describeImages(): Promise<ImageDescription[]> {
    return unwrap(await this.#ctx.images.describeImages());
  }

  /**
   * Makes an image work offline (with progress; cancel with the signal): its files, every chunk
   * of a disk served in chunks, and for Debian the apt archive it installs from.
   */
  async downloadImage(imageId: string, options: LoadOptions = {}): Promise<void> {
    const result = await this.#ctx.images.makeAvailableOffline(imageId, options);
    this.#ctx.changed();
    unwrap(result);
    const image = unwrap(await this.#ctx.images.describeImages()).find((candidate) => candidate.imageId === imageId);
    if (image?.distribution === "Debian" && this.#ctx.aptMirror) unwrap(await this.#ctx.aptMirror.downloadAll(options.onProgress));
  }

  /**
   * EC2's CreateImage: a new AMI whose root is a snapshot of the instance's root volume.
   * Instances launched from it start with the instance's files.
   */
  async createImage(instanceId: string, request: CreateImageRequest): Promise<ImageDescription> {
    const record = this.#ctx.instance(instanceId);
    const name = request.name;
    if ((await this.describeImages()).some((image) => image.name === name)) {
      throw new Ec2Error("InvalidParameterValue", `An image named '${name}' already exists.`);
    }
    requireAllowed("createImage", record.instance);
    if (!record.rootVolumeId)
      throw new Ec2Error("UnsupportedOperation", `The instance ${instanceId} has no root volume to make an image of.`);
    const snapshot = await this.#ctx.createSnapshot(record.rootVolumeId, `Root volume of ${name} (from ${instanceId})`);
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
    return (await this.describeImages()).find((image) => image.imageId === imageId) as ImageDescription;
  }

  /**
   * Forgets an image in this browser and frees its files unless something still uses them.
   * Instances launched from it keep running and booting. An image of the served catalog stays
   * listed, to download again.
   */
  async deregisterImage(imageId: string): Promise<{ freedBytes: number }> {
    const image = (await this.describeImages()).find((candidate) => candidate.imageId === imageId);
    if (!image) throw new Ec2Error("InvalidAMIID.NotFound", `The image id '${String(imageId)}' does not exist.`);
    const freedBytes = await this.#ctx.images.deregister(imageId, this.#ctx.instanceBlobs());
    const goldenBytes = await this.#ctx.goldens.dropImage(imageId);
    this.#ctx.changed();
    return { freedBytes: freedBytes + goldenBytes };
  }

  /** Each image's fast launch: on or off, and the golden states kept of it. */
  async describeFastLaunchImages(): Promise<FastLaunchImage[]> {
    return this.#ctx.goldens.describe((await this.describeImages()).map((image) => image.imageId));
  }

  /**
   * Turns the image's fast launch on and makes its golden state for instances of this much memory
   * now (ahead of the first launch, which then restores it). Resolves once it is kept.
   */
  async enableFastLaunch(imageId: string, memoryMib: number): Promise<FastLaunchImage> {
    const image = await this.#image(imageId);
    const goldens = this.#ctx.goldens;
    if (!goldens.available)
      throw new Ec2Error("UnsupportedOperation", "Fast launch is turned off on this host: every launch boots from its image.");
    await goldens.setFastLaunch(imageId, true);
    const identity = goldenIdentity(image, image.rootSnapshotId, memoryMib, VPC_INSTANCE_DEVICES);
    await goldens.want(image, identity, VPC_INSTANCE_DEVICES);
    const failure = goldens.failure(identity);
    if (failure) throw new Ec2Error("InstanceBootFailure", `The boot snapshot of ${imageId} could not be made: ${failure}`);
    return (await goldens.describe([imageId]))[0] as FastLaunchImage;
  }

  /** Turns the image's fast launch off: its golden states are deleted and its launches boot from the image. */
  async disableFastLaunch(imageId: string): Promise<FastLaunchImage> {
    await this.#image(imageId);
    await this.#ctx.goldens.setFastLaunch(imageId, false);
    return (await this.#ctx.goldens.describe([imageId]))[0] as FastLaunchImage;
  }

  async #image(imageId: string): Promise<ImageDescription> {
    const image = (await this.describeImages()).find((candidate) => candidate.imageId === imageId);
    if (!image) throw new Ec2Error("InvalidAMIID.NotFound", `The image id '${String(imageId)}' does not exist.`);
    return image;
  }

  /**
   * Registers an image from a Linux kernel (bzImage) and a raw ext4 root disk a person gives.
   * It boots with the catalog's BIOS and, unless told otherwise, the default image's kernel
   * command line.
   */
  async importImage(request: ImportImageRequest): Promise<ImageDescription> {
    const { name, kernel } = request;
    checkKernel(kernel);
    const rootDisk = checkRootDisk(request.rootDisk);
    const images = await this.describeImages();
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
    const file = async (path: string, bytes: Uint8Array) => ({
      path,
      encoding: "identity" as const,
      sizeBytes: bytes.byteLength,
      sha256: await sha256Hex(bytes as Uint8Array<ArrayBuffer>),
      encodedSizeBytes: bytes.byteLength,
    });
    const files = {
      bios: base.files.bios,
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
    return (await this.describeImages()).find((image) => image.imageId === imageId) as ImageDescription;
  }
}

/** A manifest made here, checked as strictly as a served one. */
function parsedManifest(manifest: ImageManifest): ImageManifest {
  return unwrap(parseManifest(manifest, manifest.name));
}
