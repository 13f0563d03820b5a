/**
 * The offline apt repository as the fabric serves it at deb.debian.org: each file the guest's apt
 * asks for is read from this browser's image cache or, the first time, downloaded beside the
 * repository's manifest, verified against it and kept. Downloaded once, it works offline.
 */
import { fail, ok, toCloudError, type Result } from "../shared/errors.ts";
import type { ImageCache } from "../persistence/imageCache.ts";
import { parseRepositoryManifest, type RepositoryFile, type RepositoryManifest } from "./aptRepositoryManifest.ts";
import { verifyImageFile, type ImageFetcher, type ImageLoadProgress } from "./imageLoader.ts";

/** What the fabric answers a guest's request with. */
export interface MirrorReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** The manifest's own record in the blob store: it names every other file, so it is kept under a fixed key. */
const MANIFEST_KEY = "apt-repository:debian:manifest";

export class AptMirror {
  readonly manifestUrl: string;
  readonly #fetcher: ImageFetcher;
  readonly #cache: Pick<ImageCache, "blob" | "putBlobs" | "present">;
  #manifest: Promise<Result<RepositoryManifest>> | null = null;

  constructor(manifestUrl: string, fetcher: ImageFetcher, cache: Pick<ImageCache, "blob" | "putBlobs" | "present">) {
    this.manifestUrl = manifestUrl;
    this.#fetcher = fetcher;
    this.#cache = cache;
  }

  /** The host and path guests reach the archive at, from the manifest; null when it cannot be read. */
  async address(): Promise<{ readonly host: string; readonly rootPath: string } | null> {
    const manifest = await this.#readManifest();
    return manifest.ok ? { host: manifest.value.host, rootPath: manifest.value.rootPath } : null;
  }

  /** Answers a GET of a path below the archive's root ("dists/bookworm/InRelease"). */
  async get(path: string): Promise<MirrorReply> {
    const manifest = await this.#readManifest();
    if (!manifest.ok) return text(503, `The offline Debian archive is not available: ${manifest.error.message}`);
    const file = manifest.value.files.find((candidate) => candidate.path === path);
    if (!file) return text(404, `${path} is not in the offline Debian archive (it holds a curated set of packages).`);
    const bytes = await this.#file(file);
    if (!bytes.ok) return text(503, bytes.error.message);
    return { status: 200, contentType: contentTypeOf(path), body: bytes.value };
  }

  /** Keeps every file of the archive in this browser, with progress in bytes. */
  async downloadAll(onProgress?: (progress: ImageLoadProgress) => void): Promise<Result<void>> {
    const manifest = await this.#readManifest();
    if (!manifest.ok) return manifest;
    const files = manifest.value.files;
    const present = await this.#cache.present(files.map((file) => file.sha256)).catch(() => new Set<string>());
    const totalBytes = files.reduce((sum, file) => sum + file.sizeBytes, 0);
    let loadedBytes = files.reduce((sum, file) => sum + (present.has(file.sha256) ? file.sizeBytes : 0), 0);
    onProgress?.({ loadedBytes, totalBytes });
    for (const file of files) {
      if (present.has(file.sha256)) continue;
      const bytes = await this.#file(file);
      if (!bytes.ok) return bytes;
      loadedBytes += file.sizeBytes;
      onProgress?.({ loadedBytes, totalBytes });
    }
    return ok(undefined);
  }

  async #file(file: RepositoryFile): Promise<Result<Uint8Array>> {
    const held = await this.#cache.blob(file.sha256).catch(() => undefined);
    if (held) return ok(new Uint8Array(held));
    const fetched = await this.#download(file);
    if (!fetched.ok) {
      return fail(
        fetched.error.code,
        `${file.path} of the offline Debian archive is not in this browser and cannot be downloaded now (${fetched.error.message}). Connect to the network once, or make a Debian image available offline on the Images page.`,
      );
    }
    // Kept when this browser can; used either way.
    await this.#cache.putBlobs([{ sha256: file.sha256, sizeBytes: file.sizeBytes, bytes: fetched.value }]).catch(() => undefined);
    return ok(new Uint8Array(fetched.value));
  }

  /** The file's bytes as served, verified: never decompressed on the way (a .deb is itself compressed inside). */
  async #download(file: RepositoryFile): Promise<Result<ArrayBuffer>> {
    const url = new URL(file.path, this.manifestUrl).href;
    try {
      const response = await this.#fetcher(url);
      if (!response.ok) return fail("ImageDownloadError", `HTTP ${response.status}`);
      return verifyImageFile(
        { path: file.path, encoding: "identity", sizeBytes: file.sizeBytes, sha256: file.sha256, encodedSizeBytes: file.sizeBytes },
        await response.arrayBuffer(),
      );
    } catch (error) {
      return fail("ImageDownloadError", toCloudError(error).message);
    }
  }

  #readManifest(): Promise<Result<RepositoryManifest>> {
    // The store may be closed under it (the hypervisor shutting down): that is an error result too.
    this.#manifest ??= this.#loadManifest().catch((error: unknown) => ({ ok: false as const, error: toCloudError(error, "StorageError") }));
    const pending = this.#manifest;
    void pending.then((result) => {
      if (!result.ok && this.#manifest === pending) this.#manifest = null;
    });
    return pending;
  }

  /** The served manifest when the network answers (kept for offline), else the one kept. */
  async #loadManifest(): Promise<Result<RepositoryManifest>> {
    let bytes: Uint8Array | null = null;
    try {
      const response = await this.#fetcher(this.manifestUrl);
      if (response.ok) bytes = new Uint8Array(await response.arrayBuffer());
    } catch {
      // Offline: the kept copy answers.
    }
    if (bytes) {
      await this.#cache.putBlobs([{ sha256: MANIFEST_KEY, sizeBytes: bytes.length, bytes: bytes.slice().buffer }]).catch(() => undefined);
    } else {
      const kept = await this.#cache.blob(MANIFEST_KEY);
      if (!kept) return fail("ImageDownloadError", `Cannot read ${this.manifestUrl}, and this browser has no copy of it (offline?).`);
      bytes = new Uint8Array(kept);
    }
    try {
      return parseRepositoryManifest(JSON.parse(new TextDecoder().decode(bytes)), this.manifestUrl);
    } catch (error) {
      return fail("InvalidParameterValue", `The apt repository manifest ${this.manifestUrl} is not JSON: ${toCloudError(error).message}`);
    }
  }
}

function contentTypeOf(path: string): string {
  if (path.endsWith(".deb")) return "application/vnd.debian.binary-package";
  if (path.endsWith(".gz")) return "application/gzip";
  return "text/plain; charset=utf-8";
}

function text(status: number, message: string): MirrorReply {
  return { status, contentType: "text/plain; charset=utf-8", body: new TextEncoder().encode(`${message}\n`) };
}
