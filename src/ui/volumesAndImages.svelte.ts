/**
 * The console's view of EBS and the images: volumes, snapshots and images as reactive state, image
 * downloads under way with their progress, each image's fast launch (its boot snapshots), and the
 * actions on them the console offers. Every action returns a Result, so the view that asked shows
 * its error where the person is looking (in the dialog, beside the image) rather than in a banner
 * elsewhere.
 */
import type { FastLaunchImage, Hypervisor, HypervisorEvent, ImageDescription, Snapshot, Volume } from "../hypervisor/index.ts";
import { fail, ok, toCloudError, type CloudError, type Result } from "../shared/errors.ts";
import type { FastLaunchAction } from "./fastLaunch.ts";

/** How often an image's fast launch is read again while a boot snapshot of it is being made (a failed make sends no event). */
const MAKING_POLL_MS = 1_000;

export interface DownloadProgress {
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

export type CreateVolumeRequest =
  | { readonly sizeMib: number; readonly filesystem?: "ext4"; readonly name?: string }
  | { readonly snapshotId: string; readonly name?: string };

export class VolumesAndImages {
  readonly #hypervisor: Hypervisor;
  volumes = $state.raw<Volume[]>([]);
  snapshots = $state.raw<Snapshot[]>([]);
  images = $state.raw<ImageDescription[]>([]);
  /** False until the image list was first read (the catalog comes over the network). */
  imagesLoaded = $state(false);
  /** Why the image list cannot be read (offline with nothing in this browser, a broken catalog). */
  imagesError = $state<CloudError | null>(null);
  /** Bumped whenever volumes, snapshots or images change, for views that follow the browser's storage use. */
  version = $state(0);
  /** Image downloads under way, by image id. */
  downloads = $state<Record<string, DownloadProgress>>({});
  /** How each image's last download ended when it failed or was cancelled, by image id. */
  downloadErrors = $state<Record<string, CloudError>>({});
  /** Each image's fast launch (on or off, its boot snapshots), by image id. */
  fastLaunch = $state.raw<Record<string, FastLaunchImage>>({});
  /** Fast launch being turned on or off from the console, by image id. */
  fastLaunchActions = $state<Record<string, FastLaunchAction>>({});
  /** How turning an image's fast launch on or off last failed, by image id. */
  fastLaunchErrors = $state<Record<string, CloudError>>({});
  /** How to cancel each download under way, by image id (not shown, so not reactive). */
  readonly #controllers: Record<string, AbortController> = {};
  /** Reads of the image list started; only the latest one's answer is kept. */
  #imageReads = 0;
  /** Reads of the fast launch list started; only the latest one's answer is kept. */
  #fastLaunchReads = 0;
  /** The next read while a boot snapshot is being made. */
  #makingPoll: ReturnType<typeof setTimeout> | undefined;
  readonly #unsubscribe: () => void;

  constructor(hypervisor: Hypervisor) {
    this.#hypervisor = hypervisor;
    this.#readVolumes();
    this.snapshots = hypervisor.describeSnapshots();
    this.#unsubscribe = hypervisor.subscribe((event) => this.#onEvent(event));
  }

  /** Stops following the hypervisor and cancels the downloads under way. */
  dispose(): void {
    this.#unsubscribe();
    clearTimeout(this.#makingPoll);
    for (const controller of Object.values(this.#controllers)) controller.abort();
  }

  /** Rereads the image list (the catalog and this browser's images). */
  async refreshImages(): Promise<void> {
    const read = ++this.#imageReads;
    try {
      const images = await this.#hypervisor.describeImages();
      if (read !== this.#imageReads) return;
      this.images = images;
      this.imagesError = null;
    } catch (error) {
      if (read !== this.#imageReads) return;
      this.imagesError = toCloudError(error);
    }
    this.imagesLoaded = true;
  }

  /** Rereads each image's fast launch; while a boot snapshot is being made, again every second until it is done. */
  async refreshFastLaunch(): Promise<void> {
    const read = ++this.#fastLaunchReads;
    clearTimeout(this.#makingPoll);
    let images: FastLaunchImage[];
    try {
      images = await this.#hypervisor.describeFastLaunchImages();
    } catch {
      // The image list's own read says why images cannot be read; fast launch shows what it last knew.
      return;
    }
    if (read !== this.#fastLaunchReads) return;
    this.fastLaunch = Object.fromEntries(images.map((image) => [image.imageId, image]));
    if (images.some((image) => image.making)) this.#makingPoll = setTimeout(() => void this.refreshFastLaunch(), MAKING_POLL_MS);
  }

  /** Turns the image's fast launch on and makes its boot snapshot for the default instance type; resolves once it is kept. */
  enableFastLaunch(imageId: string): Promise<Result<FastLaunchImage>> {
    return this.#fastLaunchAction(imageId, "enabling", () => this.#hypervisor.enableFastLaunch({ imageId }));
  }

  /** Turns the image's fast launch off, deleting its boot snapshots. */
  disableFastLaunch(imageId: string): Promise<Result<FastLaunchImage>> {
    return this.#fastLaunchAction(imageId, "disabling", () => this.#hypervisor.disableFastLaunch({ imageId }));
  }

  dismissFastLaunchError(imageId: string): void {
    delete this.fastLaunchErrors[imageId];
  }

  /** Downloads an image's files into this browser, with progress; a second call while one runs does nothing. */
  async downloadImage(imageId: string): Promise<void> {
    if (this.#controllers[imageId]) return;
    const controller = new AbortController();
    this.#controllers[imageId] = controller;
    delete this.downloadErrors[imageId];
    this.downloads[imageId] = { loadedBytes: 0, totalBytes: 0 };
    try {
      await this.#hypervisor.downloadImage(imageId, {
        signal: controller.signal,
        onProgress: ({ loadedBytes, totalBytes }) => {
          if (this.#controllers[imageId] === controller) this.downloads[imageId] = { loadedBytes, totalBytes };
        },
      });
    } catch (error) {
      this.downloadErrors[imageId] = toCloudError(error);
    } finally {
      delete this.#controllers[imageId];
      delete this.downloads[imageId];
    }
    this.version++;
    await this.refreshImages();
  }

  cancelDownload(imageId: string): void {
    this.#controllers[imageId]?.abort();
  }

  dismissDownloadError(imageId: string): void {
    delete this.downloadErrors[imageId];
  }

  deregisterImage(imageId: string): Promise<Result<{ freedBytes: number }>> {
    return this.#attempt(async () => {
      const freed = await this.#hypervisor.deregisterImage(imageId);
      delete this.downloadErrors[imageId];
      await this.refreshImages();
      return freed;
    });
  }

  createImage(instanceId: string, request: { name: string; description?: string }): Promise<Result<ImageDescription>> {
    return this.#attempt(async () => {
      const description = request.description?.trim();
      const image = await this.#hypervisor.createImage(instanceId, { name: request.name.trim(), ...(description ? { description } : {}) });
      await this.refreshImages();
      return image;
    });
  }

  importImage(request: {
    name: string;
    kernel: Uint8Array;
    rootDisk: Uint8Array;
    kernelCommandLine: string;
  }): Promise<Result<ImageDescription>> {
    const commandLine = request.kernelCommandLine.trim();
    return this.#attempt(async () => {
      const image = await this.#hypervisor.importImage({
        name: request.name.trim(),
        kernel: request.kernel,
        rootDisk: request.rootDisk,
        ...(commandLine ? { kernelCommandLine: commandLine } : {}),
      });
      await this.refreshImages();
      return image;
    });
  }

  createVolume(request: CreateVolumeRequest): Promise<Result<Volume>> {
    const name = request.name?.trim();
    const tags = name ? [{ key: "Name", value: name }] : [];
    return this.#attempt(() =>
      this.#hypervisor.createVolume(
        "snapshotId" in request
          ? { snapshotId: request.snapshotId, tags }
          : { sizeMib: request.sizeMib, ...(request.filesystem ? { filesystem: request.filesystem } : {}), tags },
      ),
    );
  }

  attachVolume(volumeId: string, instanceId: string): Promise<Result<Volume>> {
    return this.#attempt(() => this.#hypervisor.attachVolume(volumeId, instanceId));
  }

  detachVolume(volumeId: string): Promise<Result<Volume>> {
    return this.#attempt(() => this.#hypervisor.detachVolume(volumeId));
  }

  deleteVolume(volumeId: string): Promise<Result<void>> {
    return this.#attempt(() => this.#hypervisor.deleteVolume(volumeId));
  }

  exportVolume(volumeId: string): Promise<Result<Uint8Array>> {
    return this.#attempt(() => this.#hypervisor.exportVolume(volumeId));
  }

  importVolume(bytes: Uint8Array, name: string): Promise<Result<Volume>> {
    const trimmed = name.trim();
    return this.#attempt(() => this.#hypervisor.importVolume(bytes, trimmed ? { name: trimmed } : {}));
  }

  createSnapshot(volumeId: string, description: string): Promise<Result<Snapshot>> {
    return this.#attempt(() => this.#hypervisor.createSnapshot(volumeId, description.trim()));
  }

  deleteSnapshot(snapshotId: string): Promise<Result<void>> {
    return this.#attempt(() => this.#hypervisor.deleteSnapshot(snapshotId));
  }

  #onEvent(event: HypervisorEvent): void {
    // Root volumes come and go with instances, and written bytes grow while they run: the
    // volume list follows every event (describeVolumes is a synchronous read of memory).
    this.#readVolumes();
    if (event.type !== "storage-changed") return;
    this.snapshots = this.#hypervisor.describeSnapshots();
    this.version++;
    void this.refreshImages();
    void this.refreshFastLaunch();
  }

  async #fastLaunchAction(
    imageId: string,
    action: FastLaunchAction,
    run: () => Promise<FastLaunchImage>,
  ): Promise<Result<FastLaunchImage>> {
    if (this.fastLaunchActions[imageId])
      return fail("IncorrectState", "Fast launch of this image is being changed: wait until that is done.");
    this.fastLaunchActions[imageId] = action;
    delete this.fastLaunchErrors[imageId];
    const result = await this.#attempt(run);
    delete this.fastLaunchActions[imageId];
    if (!result.ok) this.fastLaunchErrors[imageId] = result.error;
    await Promise.all([this.refreshFastLaunch(), this.refreshImages()]);
    return result;
  }

  #readVolumes(): void {
    const volumes = this.#hypervisor.describeVolumes();
    if (!sameVolumes(volumes, this.volumes)) this.volumes = volumes;
  }

  async #attempt<T>(action: () => Promise<T>): Promise<Result<T>> {
    try {
      return ok(await action());
    } catch (error) {
      return { ok: false, error: toCloudError(error) };
    }
  }
}

/** Whether two volume lists show the same, so a once-a-second reread redraws nothing when nothing changed. */
function sameVolumes(a: readonly Volume[], b: readonly Volume[]): boolean {
  return a.length === b.length && a.every((volume, i) => JSON.stringify(volume) === JSON.stringify(b[i]));
}
