/**
 * Writes an image's served files and manifest.json:
 *   node --import tsx images/write-manifest.ts <image.json> <staging dir> <output dir> [manifest file name]
 * Two manifests may share one directory's files (an image and its instance-store variant).
 * Files are gzip-compressed when that saves at least a tenth of their size; sizes and SHA-256
 * in the manifest are of the decompressed content, which is what the emulator boots from.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as v from "valibot";
import { imageIdFor, parseManifest, type ChunkedImageFile, type ImageManifest, type WholeImageFile } from "../src/images/manifest.ts";
import { sha256Hex } from "../src/images/sha256.ts";

const ImageSpecSchema = v.object({
  name: v.string(),
  description: v.string(),
  os: v.string(),
  distribution: v.string(),
  version: v.string(),
  architecture: v.literal("i386"),
  rootDeviceType: v.picklist(["ebs", "instance-store"]),
  kernelCommandLine: v.string(),
  minMemoryMib: v.number(),
  software: v.optional(v.array(v.string())),
  files: v.object({ bios: v.string(), kernel: v.string(), rootVolume: v.string() }),
  /** Serve the root volume as chunks of this many bytes (a large disk, read lazily). */
  rootVolumeChunkBytes: v.optional(v.number()),
});

/** Chunks live beside the catalog, shared by every image: two images with a chunk in common store it once. */
const CHUNK_PATH = "../chunks/";

async function writeChunkedFile(stagingDir: string, outDir: string, name: string, chunkBytes: number): Promise<ChunkedImageFile> {
  const bytes = await readFile(join(stagingDir, name));
  const chunkDir = join(outDir, CHUNK_PATH);
  await mkdir(chunkDir, { recursive: true });
  const chunks: ChunkedImageFile["chunks"] = [];
  let encodedSizeBytes = 0;
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + chunkBytes));
    if (chunk.every((byte) => byte === 0)) {
      chunks.push(null);
      continue;
    }
    const sha256 = await sha256Hex(chunk);
    const gzipped = gzipSync(chunk, { level: 9 });
    await writeFile(join(chunkDir, `${sha256}.gz`), gzipped);
    chunks.push({ sha256, encodedSizeBytes: gzipped.length });
    encodedSizeBytes += gzipped.length;
  }
  return {
    path: name,
    encoding: "chunked",
    sizeBytes: bytes.length,
    sha256: await sha256Hex(bytes),
    encodedSizeBytes,
    chunkPath: CHUNK_PATH,
    chunkBytes,
    chunks,
  };
}

async function writeServedFile(stagingDir: string, outDir: string, name: string): Promise<WholeImageFile> {
  const bytes = await readFile(join(stagingDir, name));
  // mtime 0 and no name in the header: the same input always gives the same gzip bytes.
  const gzipped = gzipSync(bytes, { level: 9 });
  const compress = gzipped.length <= bytes.length * 0.9;
  const served = compress ? gzipped : bytes;
  const path = compress ? `${name}.gz` : name;
  await writeFile(join(outDir, path), served);
  return {
    path,
    encoding: compress ? "gzip" : "identity",
    sizeBytes: bytes.length,
    sha256: await sha256Hex(bytes),
    encodedSizeBytes: served.length,
  };
}

async function main(): Promise<void> {
  const [specPath, stagingDir, outDir, manifestName = "manifest.json"] = process.argv.slice(2);
  if (!specPath || !stagingDir || !outDir) throw new Error("usage: write-manifest.ts <image.json> <staging dir> <output dir>");
  const spec = v.parse(ImageSpecSchema, JSON.parse(await readFile(specPath, "utf8")));
  const files: ImageManifest["files"] = {
    bios: await writeServedFile(stagingDir, outDir, spec.files.bios),
    kernel: await writeServedFile(stagingDir, outDir, spec.files.kernel),
    rootVolume: spec.rootVolumeChunkBytes
      ? await writeChunkedFile(stagingDir, outDir, spec.files.rootVolume, spec.rootVolumeChunkBytes)
      : await writeServedFile(stagingDir, outDir, spec.files.rootVolume),
  };
  const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? 0);
  const manifest: ImageManifest = {
    schemaVersion: 1,
    imageId: await imageIdFor(files, spec.kernelCommandLine, spec.rootDeviceType),
    name: spec.name,
    description: spec.description,
    os: spec.os,
    distribution: spec.distribution,
    version: spec.version,
    architecture: spec.architecture,
    rootDeviceType: spec.rootDeviceType,
    kernelCommandLine: spec.kernelCommandLine,
    minMemoryMib: spec.minMemoryMib,
    ...(spec.software ? { software: spec.software } : {}),
    rootVolumeSizeBytes: files.rootVolume.sizeBytes,
    creationDate: new Date(epoch * 1000).toISOString(),
    files,
  };
  const checked = parseManifest(manifest, "(generated)");
  if (!checked.ok) throw new Error(checked.error.message);
  await writeFile(join(outDir, manifestName), JSON.stringify(manifest, null, 2) + "\n");
  console.error(`${manifest.imageId} ${manifest.name}`);
}

await main();
