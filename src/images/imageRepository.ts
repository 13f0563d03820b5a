/**
 * The images (AMIs) this lab offers: those the served catalog lists and those this browser
 * holds (cached downloads, images made with createImage, imported ones). An image's files are
 * downloaded once, verified, and kept in the image cache; launches after that read the cache,
 * so they work offline.
 */
import { fail, ok, toCloudError, type Result } from "../shared/errors.ts";
import type { ImageCache } from "../persistence/imageCache.ts";
import type { StoredBlob, StoredImage } from "../persistence/database.ts";
import { fetchImageFile, loadManifest, type ImageFetcher, type ImageLoadProgress, type LoadedImage } from "./imageLoader.ts";
import {
  blobShasOf,
  IMAGE_FILE_ROLES,
  isChunked,
  parseCatalog,
  parseManifest,
  type ImageFileRole,
  type ImageManifest,
} from "./manifest.ts";
import { ChunkedFile } from "./chunkedFile.ts";
import { chunkLoader } from "./chunkLoader.ts";
import { unusedBlobs } from "./unusedBlobs.ts";
import { parseVolumeTemplates, type VolumeTemplate } from "./volumeTemplates.ts";
import { shareable, shareableZeros, type ImageBytes } from "../shared/sharedBytes.ts";

/** An image as describeImages shows it. */
export interface ImageDescription extends ImageManifest {
  readonly source: StoredImage["source"];
  /** Every file is in this browser: launching needs no network. */
  readonly availableOffline: boolean;
  /** For images made with createImage: the snapshot holding the root volume's changes. */
  readonly rootSnapshotId: string | null;
}

/** An image this browser holds, its manifest validated. */
export interface HeldImage extends Omit<StoredImage, "manifest"> {
  readonly manifest: ImageManifest;
}

/**
 * An image record as read back, or null when its manifest is not one this version reads: such
 * a record counts as absent (a catalog image is then downloaded and its record written again).
 */
function readBack(stored: StoredImage | undefined): HeldImage | null {
  if (!stored) return null;
  const manifest = parseManifest(stored.manifest, `of the image ${stored.imageId} in this browser`);
  return manifest.ok ? { ...stored, manifest: manifest.value } : null;
}

export interface LoadOptions {
  readonly onProgress?: (progress: ImageLoadProgress) => void;
  readonly signal?: AbortSignal;
}

interface CatalogEntry {
  readonly url: string;
  readonly manifest: ImageManifest;
}

export class ImageRepository {
  readonly #catalogUrl: string;
  readonly #fetcher: ImageFetcher;
  readonly #cache: ImageCache;
  #catalog: Promise<Result<Map<string, CatalogEntry>>> | null = null;
  /** Files already read this session, by SHA-256: every launch shares them. */
  readonly #bytes = new Map<string, ImageBytes>();
  /** Chunked files in memory, by the whole file's SHA-256: filled in as emulators read them. */
  readonly #chunked = new Map<string, ChunkedFile>();
  /** Downloads under way, by image id: a second caller joins the first, sees its progress and may cancel it. */
  readonly #downloads = new Map<
    string,
    {
      readonly result: Promise<Result<void>>;
      readonly controller: AbortController;
      readonly listeners: Set<(progress: ImageLoadProgress) => void>;
    }
  >();

  constructor(catalogUrl: string, fetcher: ImageFetcher, cache: ImageCache) {
    this.#catalogUrl = catalogUrl;
    this.#fetcher = fetcher;
    this.#cache = cache;
  }

  /**
   * The catalog's images and this browser's, the catalog's first. Offline, the catalog cannot be
   * read: the images held here are still listed (and launch).
   */
  async describeImages(): Promise<Result<ImageDescription[]>> {
    const [catalog, records] = await Promise.all([this.#readCatalog(), this.#cache.images()]);
    const stored = records.map(readBack).filter((image) => image !== null);
    if (!catalog.ok && stored.length === 0) return catalog;
    const storedById = new Map(stored.map((image) => [image.imageId, image]));
    const present = await this.#cache.present([
      ...new Set(stored.flatMap((image) => IMAGE_FILE_ROLES.flatMap((role) => blobShasOf(image.manifest.files[role])))),
    ]);
    const offline = (manifest: ImageManifest) =>
      IMAGE_FILE_ROLES.every((role) => blobShasOf(manifest.files[role]).every((sha) => present.has(sha)));
    const described: ImageDescription[] = [];
    for (const entry of catalog.ok ? catalog.value.values() : []) {
      const held = storedById.get(entry.manifest.imageId);
      described.push({
        ...entry.manifest,
        source: "catalog",
        availableOffline: held !== undefined && offline(entry.manifest),
        rootSnapshotId: null,
      });
      storedById.delete(entry.manifest.imageId);
    }
    for (const image of storedById.values()) {
      described.push({
        ...image.manifest,
        source: image.source,
        availableOffline: offline(image.manifest),
        rootSnapshotId: image.rootSnapshotId,
      });
    }
    return ok(described);
  }

  /**
   * Makes sure every file of the image is in this browser, downloading and verifying what is
   * missing. Nothing is kept unless every file verified.
   */
  async download(imageId: string, options: LoadOptions = {}): Promise<Result<void>> {
    let pending = this.#downloads.get(imageId);
    if (!pending) {
      const controller = new AbortController();
      const listeners = new Set<(progress: ImageLoadProgress) => void>();
      const result = this.#download(imageId, {
        signal: controller.signal,
        onProgress: (progress) => listeners.forEach((listener) => listener(progress)),
      }).catch((error: unknown) => ({ ok: false as const, error: toCloudError(error, "StorageError") }));
      pending = { result, controller, listeners };
      this.#downloads.set(imageId, pending);
      void result.finally(() => this.#downloads.delete(imageId));
    }
    const { controller, listeners } = pending;
    if (options.onProgress) listeners.add(options.onProgress);
    // Any caller's cancel stops the one download (a launch waiting on it then fails, saying so).
    if (options.signal?.aborted) controller.abort();
    else options.signal?.addEventListener("abort", () => controller.abort(), { once: true });
    return pending.result;
  }

  /** The image's files, from this session, the cache, or (the first time) the network. */
  async load(imageId: string, options: LoadOptions = {}): Promise<Result<LoadedImage>> {
    const downloaded = await this.download(imageId, options);
    if (!downloaded.ok) return downloaded;
    const stored = readBack(await this.#cache.image(imageId));
    if (!stored) return fail("InvalidAMIID.NotFound", `The image id '${imageId}' does not exist.`);
    return this.files(stored.manifest, IMAGE_FILE_ROLES);
  }

  /** Some of a manifest's files from this browser (an instance still boots after its image is deregistered). */
  async files(manifest: ImageManifest, roles: readonly ImageFileRole[]): Promise<Result<LoadedImage>> {
    const files: Partial<Record<ImageFileRole, ImageBytes>> = {};
    for (const role of roles) {
      const file = manifest.files[role];
      const bytes = isChunked(file) ? (await this.#chunkedFor(manifest, file)).bytes : await this.blob(file.sha256);
      if (!bytes) {
        return fail(
          "InvalidAMIID.Unavailable",
          `The file ${manifest.files[role].path} of image ${manifest.name} is no longer in this browser. Download the image again (Images).`,
        );
      }
      files[role] = bytes;
    }
    return ok({ manifest, files: files as Record<ImageFileRole, ImageBytes> });
  }

  /** A stored file by SHA-256, kept in memory once read (shared with the workers where the page may; see sharedBytes.ts). */
  async blob(sha256: string): Promise<ImageBytes | undefined> {
    const known = this.#bytes.get(sha256) ?? (await this.chunked(sha256))?.bytes;
    if (known) return known;
    const stored = await this.#cache.blob(sha256);
    return stored ? this.#keep(sha256, stored) : undefined;
  }

  /**
   * The chunked file with this SHA-256 of an image this browser holds, or null when the file is
   * not a chunked one: its chunks come from this browser or, the first time, the network.
   */
  async chunked(sha256: string): Promise<ChunkedFile | null> {
    const known = this.#chunked.get(sha256);
    if (known) return known;
    for (const stored of await this.#cache.images()) {
      const image = readBack(stored);
      const file = image?.manifest.files.rootVolume;
      if (image && file && isChunked(file) && file.sha256 === sha256) return this.#chunkedFor(image.manifest, file);
    }
    return null;
  }

  /** A stored file whole: a chunked one's missing chunks are fetched first (a volume's export reads every byte). */
  async wholeBlob(sha256: string): Promise<Result<ImageBytes | undefined>> {
    const chunked = await this.chunked(sha256);
    if (!chunked) return ok(await this.blob(sha256));
    const complete = await chunked.ensureAll();
    return complete.ok ? ok(chunked.bytes) : complete;
  }

  /**
   * Makes an image work offline: its files, and every chunk of a chunked disk, with progress in
   * served bytes. A launch fetches only the chunks its guest reads; this fetches the rest.
   */
  async makeAvailableOffline(imageId: string, options: LoadOptions = {}): Promise<Result<void>> {
    const downloaded = await this.download(imageId, options);
    if (!downloaded.ok) return downloaded;
    const stored = readBack(await this.#cache.image(imageId));
    if (!stored) return fail("InvalidAMIID.NotFound", `The image id '${imageId}' does not exist.`);
    const file = stored.manifest.files.rootVolume;
    if (!isChunked(file)) return ok(undefined);
    return (await this.#chunkedFor(stored.manifest, file)).ensureAll(options.onProgress, options.signal);
  }

  async #chunkedFor(
    manifest: ImageManifest,
    file: Extract<ImageManifest["files"]["rootVolume"], { encoding: "chunked" }>,
  ): Promise<ChunkedFile> {
    const known = this.#chunked.get(file.sha256);
    if (known) return known;
    const catalog = await this.#readCatalog();
    const url = catalog.ok ? (catalog.value.get(manifest.imageId)?.url ?? null) : null;
    const load = chunkLoader({ file, imageName: manifest.name, manifestUrl: url, fetcher: this.#fetcher, cache: this.#cache });
    // Another caller may have made it while the catalog was read.
    const made = this.#chunked.get(file.sha256) ?? new ChunkedFile(file, shareableZeros(file.sizeBytes), load);
    this.#chunked.set(file.sha256, made);
    return made;
  }

  /** Holds a file's bytes in memory from now on, shareable with the workers where the page may share memory. */
  #keep(sha256: string, bytes: ArrayBuffer): ImageBytes {
    const kept = shareable(bytes);
    this.#bytes.set(sha256, kept);
    return kept;
  }

  /**
   * A formatted empty volume's blocks (a block set), from this browser or downloaded once and
   * kept. Null when no template of that file system and size is offered.
   */
  async volumeTemplate(filesystem: "ext4", sizeMib: number): Promise<Result<{ template: VolumeTemplate; bytes: ImageBytes } | null>> {
    const catalogUrl = new URL("volumes/index.json", this.#catalogUrl).href;
    let templates;
    try {
      const response = await this.#fetcher(catalogUrl);
      if (!response.ok) return fail("ImageDownloadError", `Cannot read the list of formatted volumes: HTTP ${response.status}.`);
      templates = parseVolumeTemplates(await response.json(), catalogUrl);
    } catch (error) {
      return fail("ImageDownloadError", `Cannot read the list of formatted volumes (offline?): ${toCloudError(error).message}`);
    }
    if (!templates.ok) return templates;
    const template = templates.value.templates.find((candidate) => candidate.filesystem === filesystem && candidate.sizeMib === sizeMib);
    if (!template) return ok(null);
    const held = await this.blob(template.file.sha256);
    if (held) return ok({ template, bytes: held });
    const bytes = await fetchImageFile(catalogUrl, template.file, this.#fetcher, () => undefined);
    if (!bytes.ok) return bytes;
    await this.#cache.putBlobs([{ sha256: template.file.sha256, sizeBytes: template.file.sizeBytes, bytes: bytes.value }]);
    return ok({ template, bytes: this.#keep(template.file.sha256, bytes.value) });
  }

  /** Keeps an image made in this browser (createImage, an import) with any new files. */
  async register(image: HeldImage, blobs: readonly StoredBlob[]): Promise<void> {
    await this.#cache.putImage(image, blobs);
    for (const blob of blobs) this.#keep(blob.sha256, blob.bytes);
  }

  /**
   * Forgets an image here; its files go unless something else uses them (instanceBlobs: the files
   * the hypervisor's instances boot from). Returns the bytes freed.
   */
  async deregister(imageId: string, instanceBlobs: ReadonlySet<string> = new Set()): Promise<number> {
    const freed = await this.#cache.removeImage(imageId, (removed, references) => unusedBlobs(removed, references, instanceBlobs));
    const still = await this.#cache.present([...this.#bytes.keys()]);
    for (const sha of [...this.#bytes.keys()]) if (!still.has(sha)) this.#bytes.delete(sha);
    return freed;
  }

  async #download(imageId: string, options: LoadOptions): Promise<Result<void>> {
    const stored = readBack(await this.#cache.image(imageId));
    const catalog = await this.#readCatalog();
    const entry = catalog.ok ? catalog.value.get(imageId) : undefined;
    const manifest = stored?.manifest ?? entry?.manifest;
    if (!manifest) {
      if (!catalog.ok)
        return fail(
          catalog.error.code,
          `The image '${imageId}' is not in this browser and the catalog cannot be read: ${catalog.error.message}`,
        );
      return fail("InvalidAMIID.NotFound", `The image id '${imageId}' does not exist.`);
    }
    // A chunked disk is not downloaded here: its chunks come as the guest reads them (makeAvailableOffline fetches them all).
    const whole = IMAGE_FILE_ROLES.filter((role) => !isChunked(manifest.files[role]));
    const present = await this.#cache.present(whole.map((role) => manifest.files[role].sha256));
    const missing = whole.filter((role) => !present.has(manifest.files[role].sha256));
    if (missing.length === 0 && stored) return ok(undefined);
    if (missing.length > 0 && !entry) {
      return fail(
        "InvalidAMIID.Unavailable",
        `The image ${manifest.name} is not fully in this browser and cannot be downloaded now (offline?).`,
      );
    }
    const totalBytes = missing.reduce((sum, role) => sum + manifest.files[role].encodedSizeBytes, 0);
    let loadedBytes = 0;
    options.onProgress?.({ loadedBytes, totalBytes });
    const onBytes = (count: number) => {
      loadedBytes += count;
      options.onProgress?.({ loadedBytes, totalBytes });
    };
    const blobs: StoredBlob[] = [];
    // One file at a time: a corrupt file stops the download before the rest is fetched.
    for (const role of missing) {
      const file = manifest.files[role];
      if (isChunked(file)) continue;
      const bytes = await fetchImageFile((entry as CatalogEntry).url, file, this.#fetcher, onBytes, options.signal);
      if (!bytes.ok) return bytes;
      blobs.push({ sha256: file.sha256, sizeBytes: file.sizeBytes, bytes: bytes.value });
    }
    try {
      await this.register(
        stored ?? { imageId, manifest, source: "catalog", registeredAt: new Date().toISOString(), rootSnapshotId: null },
        blobs.filter((blob, i) => blobs.findIndex((other) => other.sha256 === blob.sha256) === i),
      );
    } catch (error) {
      return { ok: false, error: toCloudError(error, "StorageError") };
    }
    return ok(undefined);
  }

  #readCatalog(): Promise<Result<Map<string, CatalogEntry>>> {
    this.#catalog ??= (async () => {
      let data: unknown;
      try {
        const response = await this.#fetcher(this.#catalogUrl);
        if (!response.ok)
          return fail("ImageDownloadError", `Cannot download the image catalog ${this.#catalogUrl}: HTTP ${response.status}.`);
        data = await response.json();
      } catch (error) {
        return fail("ImageDownloadError", `Cannot read the image catalog ${this.#catalogUrl}: ${String(error)}`);
      }
      const catalog = parseCatalog(data, this.#catalogUrl);
      if (!catalog.ok) return catalog;
      const manifests = new Map<string, CatalogEntry>();
      for (const entry of catalog.value.images) {
        const url = new URL(entry.manifest, this.#catalogUrl).href;
        const manifest = await loadManifest(url, this.#fetcher);
        if (!manifest.ok) return manifest;
        manifests.set(manifest.value.imageId, { url, manifest: manifest.value });
      }
      return ok(manifests);
    })();
    const pending = this.#catalog;
    void pending.then((result) => {
      if (!result.ok && this.#catalog === pending) this.#catalog = null;
    });
    return pending;
  }
}
