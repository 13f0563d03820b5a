/**
 * File transfers' pure parts: checking guest paths, quoting them for the guest's shell, the
 * commands each step runs (POSIX sh with commands BusyBox and GNU coreutils both have), the
 * parts a file is sent in, and reading the commands' answers. No I/O: fileTransfers.ts runs them.
 */
import { Ec2Error } from "../../shared/errors.ts";

/**
 * Bytes of a file per command going in: the most one command takes as input
 * (guest/commandInput.ts). Fewer commands win: bench file-transfer measured 0.15 MiB/s with
 * 16 KiB parts, 0.51 with 64 KiB and 0.74 with 160 KiB, each command costing a few forks in the
 * guest whatever its size.
 */
export const UPLOAD_CHUNK_BYTES = 160 * 1024;
/**
 * Bytes of a file per command coming out. The reply is the serial port's to carry (base64, the
 * agent's): bench file-transfer measured 0.41 MiB/s with 64 KiB parts, 0.42 with 256 KiB and
 * 0.44 with 1 MiB. Larger parts gain little and the guest holds each reply in memory three times
 * over (the output, its base64, the shell's copy), which 256 KiB keeps small in a 64 MiB guest.
 */
export const DOWNLOAD_CHUNK_BYTES = 256 * 1024;
/** Linux's PATH_MAX. */
const MAX_PATH_CHARS = 4096;
/** Linux's NAME_MAX, for one file name. */
const MAX_NAME_CHARS = 255;

/** A byte range of a file: one command's worth. */
export interface Chunk {
  readonly offset: number;
  readonly length: number;
}

/** The ranges a file of sizeBytes is sent in, in order; an empty file is one empty range. */
export function planChunks(sizeBytes: number, chunkBytes: number): Chunk[] {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) throw new RangeError(`a size of ${sizeBytes} bytes is not possible`);
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`a part of ${chunkBytes} bytes is not possible`);
  if (sizeBytes === 0) return [{ offset: 0, length: 0 }];
  const chunks: Chunk[] = [];
  for (let offset = 0; offset < sizeBytes; offset += chunkBytes) chunks.push({ offset, length: Math.min(chunkBytes, sizeBytes - offset) });
  return chunks;
}

/** Single-quoted for sh: every byte stays as it is, a quote inside closes, escapes and reopens. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** An absolute guest path, without the characters no command line can carry; "/a//b/" is "/a/b". */
export function parseGuestPath(path: string, what = "path"): string {
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new Ec2Error("InvalidParameterValue", `The ${what} must be an absolute path in the guest (starting with /).`);
  }
  if (/[\0\n\r]/.test(path)) throw new Ec2Error("InvalidParameterValue", `The ${what} must not contain a NUL or a line break.`);
  if (path.length > MAX_PATH_CHARS) throw new Ec2Error("InvalidParameterValue", `The ${what} is longer than ${MAX_PATH_CHARS} characters.`);
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new Ec2Error("InvalidParameterValue", `The ${what} must not go up with "..": name the directory itself.`);
  return `/${parts.join("/")}`;
}

/** A file's name as it is kept in a guest directory: one path component. */
export function parseFileName(name: string): string {
  if (typeof name !== "string" || name === "" || name === "." || name === "..") {
    throw new Ec2Error("InvalidParameterValue", "A file needs a name (not empty, not . or ..).");
  }
  if (/[/\0\n\r]/.test(name))
    throw new Ec2Error("InvalidParameterValue", `The file name '${name}' must not contain /, a NUL or a line break.`);
  if (name.length > MAX_NAME_CHARS)
    throw new Ec2Error("InvalidParameterValue", `The file name is longer than ${MAX_NAME_CHARS} characters.`);
  return name;
}

export function joinGuestPath(directory: string, name: string): string {
  return directory === "/" ? `/${name}` : `${directory}/${name}`;
}

/** The last component of a path ("/" for the root). */
export function baseName(path: string): string {
  return path === "/" ? "/" : (path.split("/").pop() ?? path);
}

export function parentOf(path: string): string {
  const parent = path.slice(0, path.lastIndexOf("/"));
  return parent === "" ? "/" : parent;
}

/**
 * Where an upload is written until it is whole: hidden, beside its target (so the last step is
 * a rename within one file system, never a copy), and named so that nobody mistakes it.
 */
export function partPath(target: string): string {
  return joinGuestPath(parentOf(target), `.${baseName(target)}.tabcloud-part`);
}

// The commands. Each prints what the host reads and exits non-zero with a reason on stderr.

/** Checks the directory, removes a part left by an earlier attempt, prints the free KiB (`df -P`: one line per file system). */
export function prepareUploadCommand(directory: string, part: string): string {
  const dir = shellQuote(directory);
  return [`[ -d ${dir} ] || { echo "no such directory" >&2; exit 2; }`, `rm -f ${shellQuote(part)}`, `df -P -k ${dir} | tail -n 1`].join(
    "\n",
  );
}

/** Appends its standard input (the next part of the file) to the part file. */
export function appendCommand(part: string): string {
  return `cat >> ${shellQuote(part)}`;
}

/** Checks the whole part's SHA-256 in the guest and only then gives it its name; prints the hash. */
export function finishUploadCommand(part: string, target: string, sha256: string): string {
  const from = shellQuote(part);
  return [
    `sum=$(sha256sum ${from} | cut -d ' ' -f 1)`,
    `[ "$sum" = ${shellQuote(sha256)} ] || { echo "the guest read $sum" >&2; rm -f ${from}; exit 3; }`,
    `mv -f ${from} ${shellQuote(target)} && echo "$sum"`,
  ].join("\n");
}

export function removeCommand(path: string): string {
  return `rm -f ${shellQuote(path)}`;
}

/** Prints "<kind> <bytes>": d for a directory, f for a regular file, o for anything else. */
export function statCommand(path: string): string {
  const p = shellQuote(path);
  return [
    `[ -e ${p} ] || { echo "no such file or directory" >&2; exit 2; }`,
    `if [ -d ${p} ]; then echo "d 0"; elif [ -f ${p} ]; then echo "f $(wc -c < ${p})"; else echo "o 0"; fi`,
  ].join("\n");
}

/** Packs a directory into a tar file (names relative to its parent, as `tar -C parent -cf - name` makes them); prints the tar's size. */
export function tarCommand(directory: string, tarPath: string): string {
  const tar = shellQuote(tarPath);
  return [
    `tar -C ${shellQuote(parentOf(directory))} -cf ${tar} ${shellQuote(directory === "/" ? "." : baseName(directory))} || { rm -f ${tar}; exit 1; }`,
    `wc -c < ${tar}`,
  ].join("\n");
}

/** One part of a file, on standard output as it is (read back with binaryStdout). */
export function readChunkCommand(path: string, chunk: Chunk, chunkBytes: number): string {
  if (chunk.offset % chunkBytes !== 0) throw new RangeError("a part starts at a multiple of the part size");
  return `dd if=${shellQuote(path)} bs=${chunkBytes} skip=${chunk.offset / chunkBytes} count=1 2>/dev/null`;
}

// The answers.

/** The free KiB of `df -P -k`'s data line (its fourth column, "Available"). */
export function parseDfAvailableKib(line: string): number | null {
  const fields = line.trim().split(/\s+/);
  const available = fields[3];
  return fields.length >= 6 && available !== undefined && /^\d+$/.test(available) ? Number(available) : null;
}

export type PathKind = "file" | "directory" | "other";

export function parseStat(output: string): { readonly kind: PathKind; readonly sizeBytes: number } | null {
  const match = /^([dfo]) (\d+)\s*$/.exec(output.trim());
  if (!match) return null;
  const kind: PathKind = match[1] === "d" ? "directory" : match[1] === "f" ? "file" : "other";
  return { kind, sizeBytes: Number(match[2]) };
}

/** Whether the write failed for want of space: the words every libc gives ENOSPC. */
export function isDiskFull(stderr: string): boolean {
  return /no space left on device/i.test(stderr);
}

/** A POSIX (ustar) tar archive: "ustar" at byte 257 of its first header. */
export function isTarArchive(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 512) return false;
  return new TextDecoder("latin1").decode(bytes.subarray(257, 262)) === "ustar";
}
