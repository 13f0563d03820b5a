/**
 * A two-image catalog served from memory, with files of a few KiB: an EBS image and an
 * instance-store one, shaped as public/images is. The committed image's 64 MiB root disk takes a
 * second to unpack and verify in every fresh database; these take a millisecond, so each test can
 * have a hypervisor of its own. Anything else (the volume templates) is read from public/images.
 */
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { ImageFetcher } from "../../images/imageLoader.ts";
import { parseManifest, type ImageManifest } from "../../images/manifest.ts";
import { unwrap } from "../../shared/errors.ts";
import { fileFetcher, SERVED_IMAGES_DIR } from "../platform/nodeHypervisor.ts";

export const EBS_IMAGE_ID = "ami-0000000000000e8b5";
export const INSTANCE_STORE_IMAGE_ID = "ami-00000000000001a57";
/** Four of the overlay's 4 KiB blocks. */
export const TEST_ROOT_VOLUME_BYTES = 16 * 1024;
/** Above t3.nano's 64 MiB, so a type too small for the image can be asked for. */
const TEST_IMAGE_MIN_MEMORY_MIB = 128;

/** Where the catalog seems to be: a folder that does not exist, since the fetcher answers for it. */
export const TEST_IMAGES_DIR = "/nonexistent/tabcloud-test-images";

function file(path: string, bytes: Uint8Array) {
  return {
    path,
    encoding: "identity" as const,
    sizeBytes: bytes.byteLength,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    encodedSizeBytes: bytes.byteLength,
  };
}

const FILES = new Map<string, Uint8Array>([
  ["bios.bin", new Uint8Array(512).fill(0xb1)],
  ["bzImage", new Uint8Array(1024).fill(0x4b)],
  ["root.img", new Uint8Array(TEST_ROOT_VOLUME_BYTES).fill(0x52)],
]);

function bytesOf(path: string): Uint8Array {
  const bytes = FILES.get(path);
  if (!bytes) throw new Error(`no test image file ${path}`);
  return bytes;
}

function manifest(imageId: string, name: string, rootDeviceType: "ebs" | "instance-store") {
  return {
    schemaVersion: 1,
    imageId,
    name,
    description: `A test image with an ${rootDeviceType} root.`,
    os: "Linux",
    distribution: "test",
    version: "1",
    architecture: "i386",
    rootDeviceType,
    kernelCommandLine: "console=ttyS0 root=/dev/sda",
    minMemoryMib: TEST_IMAGE_MIN_MEMORY_MIB,
    rootVolumeSizeBytes: TEST_ROOT_VOLUME_BYTES,
    creationDate: "2026-01-01T00:00:00.000Z",
    files: {
      bios: file("bios.bin", bytesOf("bios.bin")),
      kernel: file("bzImage", bytesOf("bzImage")),
      rootVolume: file("root.img", bytesOf("root.img")),
    },
  };
}

/** The test image's manifest as the hypervisor holds it, for records made by hand. */
export function testManifest(rootDeviceType: "ebs" | "instance-store" = "ebs"): ImageManifest {
  const imageId = rootDeviceType === "ebs" ? EBS_IMAGE_ID : INSTANCE_STORE_IMAGE_ID;
  return unwrap(parseManifest(manifest(imageId, `test-linux-${rootDeviceType}`, rootDeviceType), "the test catalog"));
}

const DOCUMENTS = new Map<string, unknown>([
  [
    "index.json",
    {
      images: [
        { imageId: EBS_IMAGE_ID, name: "test-linux", manifest: "manifest.json" },
        { imageId: INSTANCE_STORE_IMAGE_ID, name: "test-linux-instance-store", manifest: "manifest.instance-store.json" },
      ],
    },
  ],
  ["manifest.json", manifest(EBS_IMAGE_ID, "test-linux", "ebs")],
  ["manifest.instance-store.json", manifest(INSTANCE_STORE_IMAGE_ID, "test-linux-instance-store", "instance-store")],
]);

const BASE_URL = pathToFileURL(`${TEST_IMAGES_DIR}/`).href;
const SERVED_URL = pathToFileURL(SERVED_IMAGES_DIR).href;

/** Answers for the test catalog from memory, and for the rest from public/images. */
export const testImageFetcher: ImageFetcher = async (url, init) => {
  if (!url.startsWith(BASE_URL)) return fileFetcher(url, init);
  const path = url.slice(BASE_URL.length);
  const document = DOCUMENTS.get(path);
  if (document !== undefined) return Response.json(document);
  const bytes = FILES.get(path);
  if (bytes) return new Response(bytes.slice());
  return fileFetcher(new URL(path, SERVED_URL.endsWith("/") ? SERVED_URL : `${SERVED_URL}/`).href, init);
};
