/**
 * Loads an image's files: fetches each one, decompresses what is served compressed,
 * and checks size and SHA-256 against the manifest before anything uses the bytes.
 */
import { Ec2Error, fail, ok, toCloudError, type Result } from "../shared/errors.ts";
import { IMAGE_FILE_ROLES, parseManifest, type ImageFile, type ImageFileRole, type ImageManifest } from "./manifest.ts";
import { sha256Hex } from "./sha256.ts";

/** Fetches a file served next to a manifest. The browser passes fetch; Node reads the disk. */
export type ImageFetcher = (url: string) => Promise<Response>;

export interface ImageLoadProgress {
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

export interface LoadedImage {
  readonly manifest: ImageManifest;
  readonly files: Readonly<Record<ImageFileRole, ArrayBuffer>>;
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

async function fetchFile(
  baseUrl: string,
  file: ImageFile,
  fetcher: ImageFetcher,
  onBytes: (count: number) => void,
): Promise<Result<ArrayBuffer>> {
  const url = new URL(file.path, baseUrl).href;
  const response = await fetcher(url);
  if (!response.ok || !response.body) return fail("ImageDownloadError", `Cannot download image file ${file.path}: HTTP ${response.status}.`);
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array<ArrayBuffer>, BufferSource>({
      transform(chunk, controller) {
        onBytes(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
  const decoded = file.encoding === "gzip" ? counted.pipeThrough(new DecompressionStream("gzip")) : counted;
  let bytes: ArrayBuffer;
  try {
    bytes = await new Response(decoded).arrayBuffer();
  } catch (error) {
    return fail("ImageIntegrityError", `Image file ${file.path} cannot be decompressed (${toCloudError(error).message}): it is corrupt or truncated.`);
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
        const result = await fetchFile(manifestUrl, manifest.value.files[role], fetcher, onBytes);
        if (!result.ok) throw Ec2Error.from(result.error);
        return [role, result.value] as const;
      }),
    );
    return ok({ manifest: manifest.value, files: Object.fromEntries(entries) as Record<ImageFileRole, ArrayBuffer> });
  } catch (error) {
    return { ok: false, error: toCloudError(error, "ImageDownloadError") };
  }
}
