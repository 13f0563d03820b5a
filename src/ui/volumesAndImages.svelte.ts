/**
 * The console's view of EBS and the images: volumes, snapshots and images as reactive state, image
 * downloads under way with their progress, and the actions on them the console offers. Every
 * action returns a Result, so the view that asked shows its error where the person is looking
 * (in the dialog, beside the image) rather than in a banner elsewhere.
 */
import type { Hypervisor, HypervisorEvent, ImageDescription, Snapshot, Volume } from "../hypervisor/index.ts";
import { ok, toCloudError, type CloudError, type Result } from "../shared/errors.ts";

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
  /** How to cancel each download under way, by image id (not shown, so not reactive). */
  readonly #controllers: Record<string, AbortController> = {};
  /** Reads of the image list started; only the latest one's answer is kept. */
  #imageReads = 0;
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
