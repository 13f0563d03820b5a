/** Valid image manifests for unit tests, each file named by one hex digit standing for its bytes. */
import type { StoredBlob } from "../persistence/database.ts";
import type { ImageManifest } from "./manifest.ts";

export const sha = (digit: string): string => digit.repeat(64);

function file(digit: string) {
  return { path: `${digit}.bin`, encoding: "identity" as const, sizeBytes: 4, sha256: sha(digit), encodedSizeBytes: 4 };
}

/** An image with the shared BIOS files (b, c), its kernel and its root volume. */
export function testManifest(imageId: string, kernel: string, root: string): ImageManifest {
  return {
    schemaVersion: 1,
    imageId,
    name: imageId,
    description: "",
    os: "Linux",
    distribution: "test",
    version: "1",
    architecture: "i386",
    rootDeviceType: "ebs",
    kernelCommandLine: "",
    minMemoryMib: 64,
    rootVolumeSizeBytes: 4096,
    creationDate: "2026-01-01T00:00:00.000Z",
    files: { bios: file("b"), kernel: file(kernel), rootVolume: file(root) },
  };
}

export const testBlob = (digit: string): StoredBlob => ({ sha256: sha(digit), sizeBytes: 4, bytes: new Uint8Array([1, 2, 3, 4]).buffer });
