/**
 * Where a chunk of a chunked image file comes from: this browser's image cache, or else the
 * network beside the image's manifest, verified before it is kept or used. A chunk that fails
 * its SHA-256 is refused and fetched once more; it is never used.
 */
import { fail, ok, type Result } from "../shared/errors.ts";
import type { ImageCache } from "../persistence/imageCache.ts";
import { fetchImageFile, type ImageFetcher } from "./imageLoader.ts";
import { blobShasOf, type ChunkedImageFile, type WholeImageFile } from "./manifest.ts";

export interface ChunkSource {
  readonly file: ChunkedImageFile;
  /** For messages: the image's name. */
  readonly imageName: string;
  /** The manifest's address in the catalog; null when the catalog cannot be read (offline). */
  readonly manifestUrl: string | null;
  readonly fetcher: ImageFetcher;
  readonly cache: Pick<ImageCache, "blob" | "putBlobs" | "present">;
}

const FETCH_ATTEMPTS = 2;

/** A chunk as the image loader fetches one: a gzip file named by its content's SHA-256. */
export function chunkEntry(file: ChunkedImageFile, index: number): WholeImageFile | null {
  const chunk = file.chunks[index];
  if (!chunk) return null;
  return {
    path: `${file.chunkPath}${chunk.sha256}.gz`,
    encoding: "gzip",
    sizeBytes: Math.min(file.chunkBytes, file.sizeBytes - index * file.chunkBytes),
    sha256: chunk.sha256,
    encodedSizeBytes: chunk.encodedSizeBytes,
  };
}

export function chunkLoader(source: ChunkSource): (index: number) => Promise<Result<Uint8Array>> {
  const { file, imageName, manifestUrl, fetcher, cache } = source;
  // Which chunks this browser holds, asked once: a read of one it does not hold would wait behind
  // the stores of those just fetched, and a cold boot fetches one after another.
  let kept: Promise<Set<string>> | null = null;
  return async (index) => {
    const entry = chunkEntry(file, index);
    if (!entry) return ok(new Uint8Array(Math.min(file.chunkBytes, file.sizeBytes - index * file.chunkBytes)));
    kept ??= cache.present(blobShasOf(file)).catch(() => new Set<string>());
    const held = (await kept).has(entry.sha256) ? await cache.blob(entry.sha256).catch(() => undefined) : undefined;
    if (held) return ok(new Uint8Array(held));
    if (!manifestUrl) {
      return fail(
        "InvalidAMIID.Unavailable",
        `Part ${index + 1} of ${file.chunks.length} of the disk of image ${imageName} is not in this browser and cannot be downloaded now (offline?). Connect to the network once, or choose Make available offline on the Images page while online.`,
      );
    }
    let last: Result<ArrayBuffer> | null = null;
    for (let attempt = 0; attempt < FETCH_ATTEMPTS; attempt++) {
      last = await fetchImageFile(manifestUrl, entry, fetcher, () => undefined);
      if (last.ok) break;
      if (last.error.code !== "ImageIntegrityError") return last;
    }
    if (!last?.ok) return last ?? fail("ImageDownloadError", `Cannot download part ${index + 1} of image ${imageName}.`);
    // Kept in the background: the guest waits for the chunk, not for the store. A verified chunk
    // is used even when this browser cannot keep it (storage full): it is fetched again next time.
    void cache.putBlobs([{ sha256: entry.sha256, sizeBytes: entry.sizeBytes, bytes: last.value.slice(0) }]).catch(() => undefined);
    return ok(new Uint8Array(last.value));
  };
}
