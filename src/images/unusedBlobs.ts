/**
 * Which of an image's files go when it is deregistered: those nothing else reads from. Other
 * images, every volume and snapshot whose blocks fall through to a file, and the files the
 * hypervisor's instances boot from keep theirs. The image cache calls this inside the
 * transaction that deletes, so it is synchronous and pure.
 */
import type { BlobReferences } from "../persistence/imageCache.ts";
import type { StoredImage } from "../persistence/database.ts";
import { IMAGE_FILE_ROLES, parseManifest } from "./manifest.ts";

/** The SHA-256 of every file an image record names; null when its manifest cannot be read. */
function filesOf(image: StoredImage): Set<string> | null {
  const manifest = parseManifest(image.manifest, `of the image ${image.imageId} in this browser`);
  if (!manifest.ok) return null;
  return new Set(IMAGE_FILE_ROLES.map((role) => manifest.value.files[role].sha256));
}

export function unusedBlobs(removed: StoredImage, references: BlobReferences, instanceBlobs: ReadonlySet<string>): string[] {
  const candidates = filesOf(removed);
  if (!candidates) return [];
  const used = new Set(instanceBlobs);
  for (const image of references.images) {
    const files = filesOf(image);
    // An image whose files cannot be known might use any of them: keeping them all is safe.
    if (!files) return [];
    for (const sha256 of files) used.add(sha256);
  }
  for (const base of references.bases) if (base.kind === "blob") used.add(base.sha256);
  return [...candidates].filter((sha256) => !used.has(sha256));
}
