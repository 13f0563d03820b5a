import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ChunkedFile } from "./chunkedFile.ts";
import { chunkEntry, chunkLoader } from "./chunkLoader.ts";
import type { ImageFetcher } from "./imageLoader.ts";
import { blobShasOf, parseManifest, type ChunkedImageFile } from "./manifest.ts";
import { sha256Hex } from "./sha256.ts";
import { testManifest } from "./testManifests.ts";
import type { StoredBlob } from "../persistence/database.ts";

const CHUNK = 64 * 1024;
const MANIFEST_URL = "https://lab.test/images/debian/manifest.json";

/** A file of three chunks: the first and last with data, the middle all zeros. */
async function chunkedImage(): Promise<{ file: ChunkedImageFile; bytes: Uint8Array; served: Map<string, Uint8Array> }> {
  const bytes = new Uint8Array(3 * CHUNK);
  bytes.fill(7, 0, CHUNK);
  bytes.fill(9, 2 * CHUNK, 2 * CHUNK + 100);
  const served = new Map<string, Uint8Array>();
  const chunks: ChunkedImageFile["chunks"] = [];
  for (let index = 0; index < 3; index++) {
    const chunk = bytes.subarray(index * CHUNK, (index + 1) * CHUNK);
    if (chunk.every((byte) => byte === 0)) {
      chunks.push(null);
      continue;
    }
    const sha256 = await sha256Hex(chunk);
    const gzipped = new Uint8Array(gzipSync(chunk));
    served.set(new URL(`../chunks/${sha256}.gz`, MANIFEST_URL).href, gzipped);
    chunks.push({ sha256, encodedSizeBytes: gzipped.length });
  }
  const file: ChunkedImageFile = {
    path: "rootfs.ext4",
    encoding: "chunked",
    sizeBytes: bytes.length,
    sha256: await sha256Hex(bytes),
    encodedSizeBytes: chunks.reduce((sum, chunk) => sum + (chunk?.encodedSizeBytes ?? 0), 0),
    chunkPath: "../chunks/",
    chunkBytes: CHUNK,
    chunks,
  };
  return { file, bytes, served };
}

function servingFetcher(served: Map<string, Uint8Array>, log: string[] = []): ImageFetcher {
  return async (url) => {
    log.push(url);
    const body = served.get(url);
    return body ? new Response(body.slice()) : new Response(null, { status: 404 });
  };
}

function memoryCache() {
  const blobs = new Map<string, StoredBlob>();
  return {
    blobs,
    blob: async (sha256: string) => blobs.get(sha256)?.bytes,
    putBlobs: async (list: readonly StoredBlob[]) => void list.forEach((blob) => blobs.set(blob.sha256, blob)),
    present: async (shas: readonly string[]) => new Set(shas.filter((sha) => blobs.has(sha))),
  };
}

/** A loader of the test image's chunks, online, with a cache of its own; log lists the fetches. */
function loaderFor(file: ChunkedImageFile, served: Map<string, Uint8Array>, log: string[]) {
  return chunkLoader({ file, imageName: "debian", manifestUrl: MANIFEST_URL, fetcher: servingFetcher(served, log), cache: memoryCache() });
}

describe("a chunked file's manifest entry", () => {
  it("is accepted when its chunks add up, and is kept as its chunks", async () => {
    const { file } = await chunkedImage();
    const manifest = { ...testManifest("ami-0123456789abcdef0", "c", "d"), rootVolumeSizeBytes: file.sizeBytes };
    const parsed = parseManifest({ ...manifest, files: { ...manifest.files, rootVolume: file } }, "test");
    expect(parsed.ok).toBe(true);
    expect(blobShasOf(file)).toEqual(file.chunks.flatMap((chunk) => (chunk ? [chunk.sha256] : [])));
  });

  it.each([
    ["a chunk too few", (file: ChunkedImageFile) => ({ ...file, chunks: file.chunks.slice(1) }), /chunk list does not add up/],
    ["a chunk too many", (file: ChunkedImageFile) => ({ ...file, chunks: [...file.chunks, null] }), /chunk list does not add up/],
    [
      "served sizes that do not add up",
      (file: ChunkedImageFile) => ({ ...file, encodedSizeBytes: file.encodedSizeBytes + 1 }),
      /do not add up to encodedSizeBytes/,
    ],
    ["a chunk size that is not a power of two", (file: ChunkedImageFile) => ({ ...file, chunkBytes: 100_000 }), /power of two/],
    ["boot chunks naming an all-zero chunk", (file: ChunkedImageFile) => ({ ...file, bootChunks: [0, 1] }), /bootChunks must name/],
  ])("is refused with %s", async (_, damage, message) => {
    const { file } = await chunkedImage();
    const manifest = testManifest("ami-0123456789abcdef0", "c", "d");
    const parsed = parseManifest({ ...manifest, files: { ...manifest.files, rootVolume: damage(file) } }, "test");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toMatch(message);
  });
});

describe("loading a chunk", () => {
  it("downloads, verifies and keeps it; the next load reads the kept copy", async () => {
    const { file, bytes, served } = await chunkedImage();
    const log: string[] = [];
    const cache = memoryCache();
    const load = chunkLoader({ file, imageName: "debian", manifestUrl: MANIFEST_URL, fetcher: servingFetcher(served, log), cache });
    const first = await load(0);
    expect(first.ok && first.value).toEqual(bytes.subarray(0, CHUNK));
    expect(cache.blobs.has(file.chunks[0]?.sha256 as string)).toBe(true);
    // A loader made later (the next session) reads the kept copy.
    await chunkLoader({ file, imageName: "debian", manifestUrl: MANIFEST_URL, fetcher: servingFetcher(served, log), cache })(0);
    expect(log).toHaveLength(1);
  });

  it("refuses a chunk that fails its SHA-256, fetches it again, and uses only the good copy", async () => {
    const { file, bytes, served } = await chunkedImage();
    const url = new URL((chunkEntry(file, 2) as { path: string }).path, MANIFEST_URL).href;
    const good = served.get(url) as Uint8Array;
    let answers = 0;
    const fetcher: ImageFetcher = async (asked) => {
      answers++;
      return new Response(asked === url && answers === 1 ? new Uint8Array(gzipSync(new Uint8Array(CHUNK).fill(1))) : good.slice());
    };
    const loaded = await chunkLoader({ file, imageName: "debian", manifestUrl: MANIFEST_URL, fetcher, cache: memoryCache() })(2);
    expect(answers).toBe(2);
    expect(loaded.ok && loaded.value).toEqual(bytes.subarray(2 * CHUNK));
  });

  it("fails, keeping nothing, when every copy is corrupt", async () => {
    const { file } = await chunkedImage();
    const cache = memoryCache();
    const fetcher: ImageFetcher = async () => new Response(new Uint8Array(gzipSync(new Uint8Array(CHUNK).fill(1))));
    const loaded = await chunkLoader({ file, imageName: "debian", manifestUrl: MANIFEST_URL, fetcher, cache })(0);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.error.code).toBe("ImageIntegrityError");
    expect(cache.blobs.size).toBe(0);
  });

  it("says which image and what to do when a chunk is missing offline", async () => {
    const { file } = await chunkedImage();
    const loaded = await chunkLoader({
      file,
      imageName: "debian-12",
      manifestUrl: null,
      fetcher: servingFetcher(new Map()),
      cache: memoryCache(),
    })(0);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      expect(loaded.error.code).toBe("InvalidAMIID.Unavailable");
      expect(loaded.error.message).toMatch(/debian-12.*Make available offline/);
    }
  });
});

describe("a chunked file in memory", () => {
  it("reads as zeros until a chunk arrives, holds all-zero chunks from the start, and fills in with progress", async () => {
    const { file, bytes, served } = await chunkedImage();
    const log: string[] = [];
    const load = loaderFor(file, served, log);
    const chunked = new ChunkedFile(file, new ArrayBuffer(file.sizeBytes), load);
    expect([...chunked.present()]).toEqual([0, 1, 0]);
    expect(new Uint8Array(chunked.bytes)[0]).toBe(0);
    const progress: number[] = [];
    const all = await chunked.ensureAll((p) => progress.push(p.loadedBytes));
    expect(all.ok).toBe(true);
    expect(chunked.complete).toBe(true);
    expect(new Uint8Array(chunked.bytes)).toEqual(bytes);
    expect(progress.at(-1)).toBe(file.encodedSizeBytes);
    expect(log).toHaveLength(2);
  });

  it("asks once for a chunk two readers want at the same time", async () => {
    const { file, served } = await chunkedImage();
    const log: string[] = [];
    const load = loaderFor(file, served, log);
    const chunked = new ChunkedFile(file, new ArrayBuffer(file.sizeBytes), load);
    await Promise.all([chunked.chunk(0), chunked.chunk(0)]);
    expect(log).toHaveLength(1);
    expect((await chunked.chunk(5)).ok).toBe(false);
  });

  it("fetches a boot's chunks ahead, and shares which it holds with the workers when its bytes are shared", async () => {
    const { file, bytes, served } = await chunkedImage();
    const log: string[] = [];
    const load = loaderFor(file, served, log);
    const chunked = new ChunkedFile(file, new SharedArrayBuffer(file.sizeBytes), load);
    const flags = chunked.present();
    expect(chunked.present()).toBe(flags);
    chunked.prefetch([0, 2]);
    await expect.poll(() => [...flags]).toEqual([1, 1, 1]);
    expect(new Uint8Array(chunked.bytes)).toEqual(bytes);
    expect(log).toHaveLength(2);
  });
});
