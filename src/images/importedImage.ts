/**
 * Checks the files of an image a person imports (a Linux kernel and a root disk) before
 * anything is stored: each refusal says what is wrong and what would be accepted.
 */
import { Ec2Error } from "../shared/errors.ts";
import { OVERLAY_BLOCK_BYTES } from "../disk/blockOverlay.ts";

const MAX_IMPORTED_DISK_BYTES = 1024 * 1024 * 1024;
const MAX_KERNEL_BYTES = 64 * 1024 * 1024;

/** A Linux bzImage: the boot sector's 0x55AA signature and the setup header's "HdrS". */
export function checkKernel(bytes: Uint8Array): void {
  if (bytes.byteLength < 1024 || bytes.byteLength > MAX_KERNEL_BYTES) {
    throw new Ec2Error(
      "InvalidParameterValue",
      `The kernel file is ${bytes.byteLength} bytes: a Linux bzImage is between 1 KiB and 64 MiB.`,
    );
  }
  const header = new TextDecoder("latin1").decode(bytes.subarray(0x202, 0x206));
  if (bytes[0x1fe] !== 0x55 || bytes[0x1ff] !== 0xaa || header !== "HdrS") {
    throw new Ec2Error(
      "InvalidParameterValue",
      "The kernel file is not a Linux bzImage (its boot header, 'HdrS' at byte 0x202, is missing). Give the bzImage a kernel build makes (arch/x86/boot/bzImage).",
    );
  }
}

/**
 * A root disk: a raw ext2/3/4 file system (as mke2fs -d makes), padded to whole 4 KiB blocks.
 * Returns the padded bytes.
 */
export function checkRootDisk(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_IMPORTED_DISK_BYTES) {
    throw new Ec2Error("InvalidParameterValue", `The root disk is ${bytes.byteLength} bytes: give 1 byte to 1 GiB.`);
  }
  if (new TextDecoder("latin1").decode(bytes.subarray(0x8001, 0x8006)) === "CD001") {
    throw new Ec2Error(
      "InvalidParameterValue",
      "This is an ISO 9660 CD image: booting from CDs is not supported. Give a Linux kernel and a raw ext4 root disk.",
    );
  }
  if (bytes[1080] !== 0x53 || bytes[1081] !== 0xef) {
    throw new Ec2Error(
      "InvalidParameterValue",
      "The root disk has no ext2/3/4 file system at its start (no 0xEF53 signature at byte 1080). Give a raw file-system image, as mke2fs -d makes, not a partitioned disk.",
    );
  }
  if (bytes.byteLength % OVERLAY_BLOCK_BYTES === 0) return bytes;
  const padded = new Uint8Array(Math.ceil(bytes.byteLength / OVERLAY_BLOCK_BYTES) * OVERLAY_BLOCK_BYTES);
  padded.set(bytes);
  return padded;
}
