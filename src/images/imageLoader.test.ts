import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadImage, verifyImageFile, type ImageFetcher } from "./imageLoader.ts";
import { parseManifest, type ImageManifest } from "./manifest.ts";

const IMAGE = "tabcloud-linux";
const SERVED_IMAGES_DIR = fileURLToPath(new URL("../../public/images/", import.meta.url));

/** Reads file: URLs from disk, answering as fetch would. */
const fileFetcher: ImageFetcher = async (url) => {
  try {
    return new Response(await readFile(fileURLToPath(url)));
  } catch {
    return new Response(null, { status: 404, statusText: "Not Found" });
  }
};

describe("the served default image", () => {
  it("has a valid manifest whose files all verify", async () => {
    const url = pathToFileURL(join(SERVED_IMAGES_DIR, IMAGE, "manifest.json")).href;
    const progress: number[] = [];
    const loaded = await loadImage(url, fileFetcher, (p) => progress.push(p.loadedBytes / p.totalBytes));
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.value.manifest.imageId).toMatch(/^ami-[0-9a-f]{17}$/);
    expect(loaded.value.files.rootVolume.byteLength).toBe(loaded.value.manifest.rootVolumeSizeBytes);
    expect(progress.at(-1)).toBeCloseTo(1, 6);
    // The whole image downloads in a few MB.
    const served = Object.values(loaded.value.manifest.files).reduce((sum, file) => sum + file.encodedSizeBytes, 0);
    expect(served).toBeLessThan(8 * 1024 * 1024);
  });
});

describe("a damaged image", () => {
  let dir: string;
  let manifest: ImageManifest;
  const manifestUrl = () => pathToFileURL(join(dir, IMAGE, "manifest.json")).href;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "tabcloud-image-"));
    await cp(SERVED_IMAGES_DIR, dir, { recursive: true });
    manifest = JSON.parse(await readFile(join(dir, IMAGE, "manifest.json"), "utf8")) as ImageManifest;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("is refused when a file's bytes do not match the manifest's SHA-256, naming the file", async () => {
    // One byte of the kernel changed, served gzip-compressed as the real one is.
    const kernelPath = join(dir, IMAGE, manifest.files.kernel.path);
    const kernel = gunzipSync(await readFile(kernelPath));
    kernel[1000] = (kernel[1000] ?? 0) ^ 0xff;
    await writeFile(kernelPath, gzipSync(kernel));
    const loaded = await loadImage(manifestUrl(), fileFetcher);
    expect(loaded).toMatchObject({ ok: false, error: { code: "ImageIntegrityError" } });
    expect(!loaded.ok && loaded.error.message).toContain("bzImage.gz does not match its manifest");
  });

  it("is refused when a compressed file is truncated", async () => {
    const rootPath = join(dir, IMAGE, manifest.files.rootVolume.path);
    const root = await readFile(rootPath);
    await writeFile(rootPath, root.subarray(0, root.length >> 1));
    const loaded = await loadImage(manifestUrl(), fileFetcher);
    expect(loaded).toMatchObject({ ok: false, error: { code: "ImageIntegrityError" } });
    expect(!loaded.ok && loaded.error.message).toContain("rootfs.ext4.gz");
  });

  it("is refused when a compressed file decompresses to other bytes", async () => {
    const biosPath = join(dir, IMAGE, manifest.files.bios.path);
    await writeFile(biosPath, gzipSync(new Uint8Array(manifest.files.bios.sizeBytes)));
    const loaded = await loadImage(manifestUrl(), fileFetcher);
    expect(!loaded.ok && loaded.error.message).toMatch(/^Image file bios\.bin\.gz does not match its manifest/);
  });

  it("is refused when a file is missing", async () => {
    await rm(join(dir, IMAGE, manifest.files.bios.path));
    const loaded = await loadImage(manifestUrl(), fileFetcher);
    expect(loaded).toMatchObject({ ok: false, error: { code: "ImageDownloadError" } });
    expect(!loaded.ok && loaded.error.message).toContain("bios.bin.gz");
  });
});

describe("verifyImageFile", () => {
  const file = {
    path: "disk.img",
    encoding: "identity" as const,
    sizeBytes: 3,
    sha256: "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81",
    encodedSizeBytes: 3,
  };

  it("accepts the bytes the manifest describes", async () => {
    expect((await verifyImageFile(file, Uint8Array.of(1, 2, 3).buffer)).ok).toBe(true);
  });

  it("names the file and both sizes when the length is wrong", async () => {
    const result = await verifyImageFile(file, Uint8Array.of(1, 2).buffer);
    expect(!result.ok && result.error.message).toMatch(/^Image file disk\.img is 2 bytes where its manifest says 3/);
  });
});

describe("parseManifest", () => {
  it("says which field is wrong", async () => {
    const good = JSON.parse(await readFile(join(SERVED_IMAGES_DIR, IMAGE, "manifest.json"), "utf8")) as ImageManifest;
    expect(parseManifest(good, "m.json").ok).toBe(true);
    const bad = { ...good, imageId: "ami-xyz", files: { ...good.files, kernel: { ...good.files.kernel, sha256: "abc" } } };
    const result = parseManifest(bad, "m.json");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/m\.json.*imageId.*files\.kernel\.sha256/);
  });

  it("refuses file paths that leave the image's folder", async () => {
    const good = JSON.parse(await readFile(join(SERVED_IMAGES_DIR, IMAGE, "manifest.json"), "utf8")) as ImageManifest;
    const bad = { ...good, files: { ...good.files, bios: { ...good.files.bios, path: "../../secret" } } };
    expect(parseManifest(bad, "m.json").ok).toBe(false);
  });
});
