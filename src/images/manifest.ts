/**
 * An image manifest (our AMI): what the image is and the files it boots from.
 * Written by images/write-manifest.ts, served beside the files, validated before use.
 */
import * as v from "valibot";
import { fail, ok, type Result } from "../shared/errors.ts";
import { sha256Hex } from "./sha256.ts";

const MANIFEST_SCHEMA_VERSION = 1;

const sha256Field = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "must be a SHA-256 in lower-case hex"));
const sizeBytes = v.pipe(v.number(), v.integer(), v.minValue(1));
const fileName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be a plain file name"));

export const ImageFileSchema = v.object({
  /** File name as served, next to manifest.json. */
  path: fileName,
  /** "gzip" when the served bytes are gzip-compressed; sizeBytes and sha256 are of the decompressed content. */
  encoding: v.picklist(["identity", "gzip"]),
  sizeBytes,
  sha256: sha256Field,
  encodedSizeBytes: sizeBytes,
});

/** One piece of a chunked file: its content's SHA-256 (which names the served file) and its served size. */
const ChunkSchema = v.object({ sha256: sha256Field, encodedSizeBytes: sizeBytes });

/** Chunk sizes a manifest may use: whole 4 KiB pages, so no disk block straddles two chunks. */
const MIN_CHUNK_BYTES = 64 * 1024;
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A file served as gzip-compressed, content-addressed chunks (chunkPath + sha256 + ".gz"), so
 * that an emulator reads a large disk while only the chunks it touches are fetched. sha256 and
 * sizeBytes are the whole content's; each chunk is verified on its own. A null chunk is all
 * zeros and is never fetched.
 */
const ChunkedImageFileSchema = v.pipe(
  v.object({
    path: fileName,
    encoding: v.literal("chunked"),
    sizeBytes,
    sha256: sha256Field,
    encodedSizeBytes: v.pipe(v.number(), v.integer(), v.minValue(0)),
    /** Where the chunks are, relative to the manifest. */
    chunkPath: v.pipe(v.string(), v.regex(/^(\.\.\/)?[a-z0-9-]+\/$/, "must be a directory like ../chunks/")),
    chunkBytes: v.pipe(
      v.number(),
      v.integer(),
      v.check((n) => n >= MIN_CHUNK_BYTES && n <= MAX_CHUNK_BYTES && (n & (n - 1)) === 0, "must be a power of two from 64 KiB to 4 MiB"),
    ),
    chunks: v.array(v.nullable(ChunkSchema)),
    /** The chunks a boot reads before its prompt, fetched together as a launch starts (measured when the image is built). */
    bootChunks: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(0)))),
  }),
  v.check(
    (file) => file.chunks.length === Math.ceil(file.sizeBytes / file.chunkBytes),
    "the chunk list does not add up to the file's size",
  ),
  v.check(
    (file) => (file.bootChunks ?? []).every((index) => file.chunks[index] !== undefined && file.chunks[index] !== null),
    "bootChunks must name chunks of the list that hold data",
  ),
  v.check(
    (file) => file.chunks.reduce((sum, chunk) => sum + (chunk?.encodedSizeBytes ?? 0), 0) === file.encodedSizeBytes,
    "the chunks' sizes do not add up to encodedSizeBytes",
  ),
);

export const ImageManifestSchema = v.object({
  schemaVersion: v.literal(MANIFEST_SCHEMA_VERSION),
  imageId: v.pipe(v.string(), v.regex(/^ami-[0-9a-f]{17}$/, "must look like ami- and 17 hex digits")),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  description: v.pipe(v.string(), v.maxLength(255)),
  os: v.string(),
  distribution: v.string(),
  version: v.string(),
  architecture: v.picklist(["i386"]),
  rootDeviceType: v.picklist(["ebs", "instance-store"]),
  kernelCommandLine: v.pipe(v.string(), v.maxLength(2048)),
  minMemoryMib: v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(2048)),
  /** What is installed, in a few lines a learner reads in the catalog; absent in older manifests. */
  software: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(120))), v.maxLength(12))),
  rootVolumeSizeBytes: sizeBytes,
  creationDate: v.pipe(v.string(), v.isoTimestamp()),
  files: v.object({
    bios: ImageFileSchema,
    kernel: ImageFileSchema,
    rootVolume: v.union([ImageFileSchema, ChunkedImageFileSchema]),
  }),
});

export type WholeImageFile = v.InferOutput<typeof ImageFileSchema>;
export type ChunkedImageFile = v.InferOutput<typeof ChunkedImageFileSchema>;
export type ImageFile = WholeImageFile | ChunkedImageFile;
export type ImageManifest = v.InferOutput<typeof ImageManifestSchema>;
export type ImageFileRole = keyof ImageManifest["files"];

export const IMAGE_FILE_ROLES: readonly ImageFileRole[] = ["bios", "kernel", "rootVolume"];

export function isChunked(file: ImageFile): file is ChunkedImageFile {
  return file.encoding === "chunked";
}

/** The stored blobs a file is kept as: itself, or each of its chunks. */
export function blobShasOf(file: ImageFile): string[] {
  return isChunked(file) ? file.chunks.flatMap((chunk) => (chunk ? [chunk.sha256] : [])) : [file.sha256];
}

/** The list of images the app serves (public/images/index.json). */
const ImageCatalogSchema = v.object({
  images: v.array(v.object({ imageId: v.string(), name: v.string(), manifest: v.string() })),
});
export type ImageCatalog = v.InferOutput<typeof ImageCatalogSchema>;

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${v.getDotPath(issue) ?? "(top)"}: ${issue.message}`)
    .join("; ");
}

export function parseManifest(data: unknown, source: string): Result<ImageManifest> {
  const parsed = v.safeParse(ImageManifestSchema, data);
  if (parsed.success) return ok(parsed.output);
  return fail("InvalidParameterValue", `The image manifest ${source} is not valid: ${describeIssues(parsed.issues)}`);
}

export function parseCatalog(data: unknown, source: string): Result<ImageCatalog> {
  const parsed = v.safeParse(ImageCatalogSchema, data);
  if (parsed.success) return ok(parsed.output);
  return fail("InvalidParameterValue", `The image catalog ${source} is not valid: ${describeIssues(parsed.issues)}`);
}

/** An image id derived from the image's content, so the same bytes always get the same id. */
export async function imageIdFor(
  files: ImageManifest["files"],
  kernelCommandLine: string,
  rootDeviceType: ImageManifest["rootDeviceType"] = "ebs",
): Promise<string> {
  // An EBS image's id leaves the root device out, so ids made before instance-store images existed stay the same.
  const root = rootDeviceType === "ebs" ? "" : `\nroot:${rootDeviceType}`;
  const text = IMAGE_FILE_ROLES.map((role) => `${role}:${files[role].sha256}`).join("\n") + `\ncmdline:${kernelCommandLine}` + root;
  return `ami-${(await sha256Hex(new TextEncoder().encode(text))).slice(0, 17)}`;
}
