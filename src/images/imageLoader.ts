/**
 * Loads an image's files: fetches each one, decompresses what is served compressed,
 * and checks size and SHA-256 against the manifest before anything uses the bytes.
 */
import { Ec2Error, fail, ok, toCloudError, type Result } from "../shared/errors.ts";
import { IMAGE_FILE_ROLES, parseManifest, type ImageFile, type ImageFileRole, type ImageManifest } from "./manifest.ts";
import { sha256Hex } from "./sha256.ts";
import type { ImageBytes } from "../shared/sharedBytes.ts";

/** Fetches a file served next to a manifest. The browser passes fetch; Node reads the disk. */
export type ImageFetcher = (url: string, init?: { readonly signal?: AbortSignal }) => Promise<Response>;

export interface ImageLoadProgress {
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

export interface LoadedImage {
  readonly manifest: ImageManifest;
  readonly files: Readonly<Record<ImageFileRole, ImageBytes>>;
}

export async function loadManifest(manifestUrl: string, fetcher: ImageFetcher): Promise<Result<ImageManifest>> {
  try {
    const response = await fetcher(manifestUrl);
    if (!response.ok) return fail("ImageDownloadError", `Cannot download ${manifestUrl}: HTTP ${response.status}.`);
    return parseManifest(await response.json(), manifestUrl);
  } catch (error) {
    return fail("ImageDownloadError", `Cannot read the image manifest ${manifestUrl}: ${toCloudError(error).message}`);
  }
}

/** Verifies decoded bytes against the manifest entry; the error names the file. */
export async function verifyImageFile(file: ImageFile, bytes: ArrayBuffer): Promise<Result<ArrayBuffer>> {
  if (bytes.byteLength !== file.sizeBytes) {
    return fail(
      "ImageIntegrityError",
      `Image file ${file.path} is ${bytes.byteLength} bytes where its manifest says ${file.sizeBytes}: the download is truncated or the file was changed. Nothing was used.`,
    );
  }
  const digest = await sha256Hex(bytes);
  if (digest !== file.sha256) {
    return fail(
      "ImageIntegrityError",
      `Image file ${file.path} does not match its manifest (SHA-256 ${digest.slice(0, 12)}… where ${file.sha256.slice(0, 12)}… was expected): the file is corrupt or was changed. Nothing was used.`,
    );
  }
  return ok(bytes);
}

/**
 * Reads a response body, gunzipping it when its bytes are gzip. Some static servers send .gz
 * files with Content-Encoding: gzip (the browser then decodes them on the way), others do not:
 * the first two bytes tell. Progress is reported in served (compressed) bytes either way.
 */
async function readBody(body: ReadableStream<Uint8Array>, file: ImageFile, onBytes: (count: number) => void): Promise<ArrayBuffer> {
  const reader = body.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array(0);
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  // When the transport already decoded the file, scale what arrives to the served size.
  const scale = file.encoding === "gzip" && !gzip ? file.encodedSizeBytes / file.sizeBytes : 1;
  let counted = 0;
  const count = (bytes: number) => {
    const next = Math.min(file.encodedSizeBytes, counted + bytes * scale);
    onBytes(next - counted);
    counted = next;
  };
  const raw = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      if (head.length > 0) {
        count(head.length);
        controller.enqueue(head as Uint8Array<ArrayBuffer>);
      }
      if (first.done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) return controller.close();
      count(next.value.length);
      controller.enqueue(next.value as Uint8Array<ArrayBuffer>);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const decoded = gzip
    ? raw.pipeThrough(new DecompressionStream("gzip") as TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>)
    : raw;
  return new Response(decoded).arrayBuffer();
}

/** Downloads one file named by a manifest (beside it at baseUrl) and verifies it. */
export async function fetchImageFile(
  baseUrl: string,
  file: ImageFile,
  fetcher: ImageFetcher,
  onBytes: (count: number) => void,
  signal?: AbortSignal,
): Promise<Result<ArrayBuffer>> {
  const url = new URL(file.path, baseUrl).href;
  let response: Response;
  try {
    response = await fetcher(url, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) return cancelled();
    return fail("ImageDownloadError", `Cannot download image file ${file.path}: ${toCloudError(error).message}`);
  }
  if (!response.ok || !response.body)
    return fail("ImageDownloadError", `Cannot download image file ${file.path}: HTTP ${response.status}.`);
  let bytes: ArrayBuffer;
  try {
    bytes = await readBody(response.body, file, onBytes);
  } catch (error) {
    if (signal?.aborted) return cancelled();
    return fail(
      "ImageIntegrityError",
      `Image file ${file.path} cannot be read or decompressed (${toCloudError(error).message}): it is corrupt or truncated. Nothing was used.`,
    );
  }
  return verifyImageFile(file, bytes);
}

/** Loads and verifies every file of the image whose manifest is at manifestUrl. */
export async function loadImage(
  manifestUrl: string,
  fetcher: ImageFetcher,
  onProgress?: (progress: ImageLoadProgress) => void,
): Promise<Result<LoadedImage>> {
  const manifest = await loadManifest(manifestUrl, fetcher);
  if (!manifest.ok) return manifest;
  const totalBytes = IMAGE_FILE_ROLES.reduce((sum, role) => sum + manifest.value.files[role].encodedSizeBytes, 0);
  let loadedBytes = 0;
  const onBytes = (count: number) => {
    loadedBytes += count;
    onProgress?.({ loadedBytes, totalBytes });
  };
  try {
    const entries = await Promise.all(
      IMAGE_FILE_ROLES.map(async (role) => {
        const result = await fetchImageFile(manifestUrl, manifest.value.files[role], fetcher, onBytes);
        if (!result.ok) throw Ec2Error.from(result.error);
        return [role, result.value] as const;
      }),
    );
    return ok({ manifest: manifest.value, files: Object.fromEntries(entries) as Record<ImageFileRole, ArrayBuffer> });
  } catch (error) {
    return { ok: false, error: toCloudError(error, "ImageDownloadError") };
  }
}

function cancelled<T>(): Result<T> {
  return fail("DownloadCancelled", "The download was cancelled. Nothing was kept.");
}
