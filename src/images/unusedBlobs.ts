/**
 * Which of an image's files go when it is deregistered: those nothing else reads from. Other
 * images, every volume and snapshot whose blocks fall through to a file, and the files the
 * hypervisor's instances boot from keep theirs. The image cache calls this inside the
 * transaction that deletes, so it is synchronous and pure.
 */
import type { BlobReferences } from "../persistence/imageCache.ts";
import type { StoredImage } from "../persistence/database.ts";
import { blobShasOf, IMAGE_FILE_ROLES, parseManifest } from "./manifest.ts";

/**
 * The blobs an image record's files are kept as, by each file's SHA-256 (a chunked file is kept
 * as its chunks); null when its manifest cannot be read.
 */
function blobsByFile(image: StoredImage): Map<string, string[]> | null {
  const manifest = parseManifest(image.manifest, `of the image ${image.imageId} in this browser`);
  if (!manifest.ok) return null;
  return new Map(IMAGE_FILE_ROLES.map((role) => [manifest.value.files[role].sha256, blobShasOf(manifest.value.files[role])]));
}

function filesOf(image: StoredImage): Set<string> | null {
  const files = blobsByFile(image);
  return files && new Set([...files.values()].flat());
}

export function unusedBlobs(removed: StoredImage, references: BlobReferences, instanceBlobs: ReadonlySet<string>): string[] {
  const removedFiles = blobsByFile(removed);
  if (!removedFiles) return [];
  const candidates = new Set([...removedFiles.values()].flat());
  // Volumes and instances name a file by its whole SHA-256: a chunked file's chunks stay with it.
  const used = new Set([...instanceBlobs].flatMap((sha256) => removedFiles.get(sha256) ?? [sha256]));
  for (const image of references.images) {
    const files = filesOf(image);
    // An image whose files cannot be known might use any of them: keeping them all is safe.
    if (!files) return [];
    for (const sha256 of files) used.add(sha256);
  }
  for (const base of references.bases)
    if (base.kind === "blob") for (const sha256 of removedFiles.get(base.sha256) ?? [base.sha256]) used.add(sha256);
  return [...candidates].filter((sha256) => !used.has(sha256));
}
