/**
 * Writes an image's served files and manifest.json:
 *   node --import tsx images/write-manifest.ts <image.json> <staging dir> <output dir> [manifest file name]
 * Two manifests may share one directory's files (an image and its instance-store variant).
 * Files are gzip-compressed when that saves at least a tenth of their size; sizes and SHA-256
 * in the manifest are of the decompressed content, which is what the emulator boots from.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as v from "valibot";
import { IMAGE_FILE_ROLES, imageIdFor, parseManifest, type ImageFile, type ImageManifest } from "../src/images/manifest.ts";
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
  files: v.object({ bios: v.string(), kernel: v.string(), rootVolume: v.string() }),
});

async function writeServedFile(stagingDir: string, outDir: string, name: string): Promise<ImageFile> {
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
  const files = {} as Record<(typeof IMAGE_FILE_ROLES)[number], ImageFile>;
  for (const role of IMAGE_FILE_ROLES) files[role] = await writeServedFile(stagingDir, outDir, spec.files[role]);
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
