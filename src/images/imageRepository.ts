/**
 * The images (AMIs) this lab offers: the served catalog, each image's manifest, and its
 * verified files, loaded once per session and shared by every launch.
 */
import { fail, ok, type Result } from "../shared/errors.ts";
import { loadImage, loadManifest, type ImageFetcher, type ImageLoadProgress, type LoadedImage } from "./imageLoader.ts";
import { parseCatalog, type ImageManifest } from "./manifest.ts";

export class ImageRepository {
  readonly #catalogUrl: string;
  readonly #fetcher: ImageFetcher;
  #manifests: Promise<Result<Map<string, { url: string; manifest: ImageManifest }>>> | null = null;
  readonly #loaded = new Map<string, Promise<Result<LoadedImage>>>();

  constructor(catalogUrl: string, fetcher: ImageFetcher) {
    this.#catalogUrl = catalogUrl;
    this.#fetcher = fetcher;
  }

  async describeImages(): Promise<Result<ImageManifest[]>> {
    const manifests = await this.#readCatalog();
    return manifests.ok ? ok([...manifests.value.values()].map((entry) => entry.manifest)) : manifests;
  }

  /** The image's verified files. A failed load is forgotten, so the next launch tries again. */
  async load(imageId: string, onProgress?: (progress: ImageLoadProgress) => void): Promise<Result<LoadedImage>> {
    let loading = this.#loaded.get(imageId);
    if (!loading) {
      loading = this.#readCatalog().then((manifests): Promise<Result<LoadedImage>> | Result<LoadedImage> => {
        if (!manifests.ok) return manifests;
        const entry = manifests.value.get(imageId);
        if (!entry) return fail("InvalidAMIID.NotFound", `The image id '${imageId}' does not exist.`);
        return loadImage(entry.url, this.#fetcher, onProgress);
      });
      this.#loaded.set(imageId, loading);
    }
    const result = await loading;
    if (!result.ok) this.#loaded.delete(imageId);
    return result;
  }

  #readCatalog(): Promise<Result<Map<string, { url: string; manifest: ImageManifest }>>> {
    this.#manifests ??= (async () => {
      let data: unknown;
      try {
        const response = await this.#fetcher(this.#catalogUrl);
        if (!response.ok) return fail("ImageDownloadError", `Cannot download the image catalog ${this.#catalogUrl}: HTTP ${response.status}.`);
        data = await response.json();
      } catch (error) {
        return fail("ImageDownloadError", `Cannot read the image catalog ${this.#catalogUrl}: ${String(error)}`);
      }
      const catalog = parseCatalog(data, this.#catalogUrl);
      if (!catalog.ok) return catalog;
      const manifests = new Map<string, { url: string; manifest: ImageManifest }>();
      for (const entry of catalog.value.images) {
        const url = new URL(entry.manifest, this.#catalogUrl).href;
        const manifest = await loadManifest(url, this.#fetcher);
        if (!manifest.ok) return manifest;
        manifests.set(manifest.value.imageId, { url, manifest: manifest.value });
      }
      return ok(manifests);
    })();
    const pending = this.#manifests;
    void pending.then((result) => {
      if (!result.ok && this.#manifests === pending) this.#manifests = null;
    });
    return pending;
  }
}
