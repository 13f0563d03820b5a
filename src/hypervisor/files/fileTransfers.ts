/**
 * Copying files into and out of a running instance, through its guest agent and never through
 * its console. A file goes in as parts appended to a hidden part file beside its target, checked
 * by SHA-256 in the guest, then renamed: an upload that fails or is cancelled leaves nothing
 * behind. A file comes out in parts; a directory comes out as a tar archive.
 *
 * It needs only the hypervisor's public API (describeInstances, runCommand), so the console, labs
 * and tests all use the same one.
 */
import type { ExecResult } from "../../guest/agentClient.ts";
import { sha256Hex } from "../../images/sha256.ts";
import { Ec2Error } from "../../shared/errors.ts";
import type { Instance } from "../instances/instance.ts";
import type { RunCommandOptions } from "../requests/console.ts";
import {
  appendCommand,
  baseName,
  DOWNLOAD_CHUNK_BYTES,
  finishUploadCommand,
  isDiskFull,
  joinGuestPath,
  parseDfAvailableKib,
  parseFileName,
  parseGuestPath,
  parseStat,
  partPath,
  planChunks,
  prepareUploadCommand,
  readChunkCommand,
  removeCommand,
  statCommand,
  tarCommand,
  UPLOAD_CHUNK_BYTES,
  type PathKind,
} from "./transferPlan.ts";

/** What file transfers use of the hypervisor. */
export interface GuestShell {
  describeInstances(request: { readonly instanceIds: readonly string[] }): Instance[];
  runCommand(instanceId: string, command: string, options?: RunCommandOptions): Promise<ExecResult>;
}

export interface TransferProgress {
  readonly transferredBytes: number;
  readonly totalBytes: number;
}

export interface TransferOptions {
  readonly onProgress?: (progress: TransferProgress) => void;
  /** Cancels the transfer between two parts; an upload's part file is removed. */
  readonly signal?: AbortSignal;
}

interface UploadedFile {
  readonly path: string;
  readonly sizeBytes: number;
  /** As the guest's sha256sum computed it, equal to the host's. */
  readonly sha256: string;
}

export interface DownloadedPath {
  /** The file's name, or the directory's with ".tar". */
  readonly fileName: string;
  readonly kind: Exclude<PathKind, "other">;
  readonly bytes: Uint8Array;
}

/** One part per command: generous, as a busy guest or a slow host may take its time. */
const PART_TIMEOUT_MS = 60_000;
/** sha256sum of a 50 MiB file in the emulated guest takes seconds. */
const FINISH_TIMEOUT_MS = 300_000;
/** Room the file system needs beyond the file's bytes (its blocks, indirect blocks and the directory). */
const SPACE_MARGIN_BYTES = 256 * 1024;

/** Part sizes other than the measured defaults, for the benchmark that measures them. */
export interface PartSizes {
  readonly uploadChunkBytes?: number;
  readonly downloadChunkBytes?: number;
}

export class FileTransfers {
  readonly #shell: GuestShell;
  readonly #uploadChunkBytes: number;
  readonly #downloadChunkBytes: number;

  constructor(shell: GuestShell, sizes: PartSizes = {}) {
    this.#shell = shell;
    this.#uploadChunkBytes = sizes.uploadChunkBytes ?? UPLOAD_CHUNK_BYTES;
    this.#downloadChunkBytes = sizes.downloadChunkBytes ?? DOWNLOAD_CHUNK_BYTES;
  }

  /** Copies bytes into a file named `name` in the guest's `directory` (replacing a file of that name). */
  async uploadFile(
    instanceId: string,
    directory: string,
    name: string,
    bytes: Uint8Array,
    options: TransferOptions = {},
  ): Promise<UploadedFile> {
    const dir = parseGuestPath(directory, "directory");
    const target = joinGuestPath(dir, parseFileName(name));
    this.#requireRunning(instanceId, "copy a file to");
    const sha256 = await sha256Hex(bytes as Uint8Array<ArrayBuffer>);
    const part = partPath(target);
    const prepared = await this.#run(instanceId, prepareUploadCommand(dir, part));
    if (prepared.exitCode !== 0) throw new Ec2Error("InvalidParameterValue", `Cannot copy into ${dir}: ${reason(prepared)}.`);
    const availableKib = parseDfAvailableKib(prepared.stdout);
    if (availableKib !== null && availableKib * 1024 < bytes.byteLength + SPACE_MARGIN_BYTES) {
      throw new Ec2Error(
        "InsufficientFreeSpace",
        `Not enough free space in ${dir} on ${instanceId}: the file needs ${mib(bytes.byteLength)} and ${mib(availableKib * 1024)} is free. Free some space or choose a directory on a larger volume.`,
      );
    }
    let sent = 0;
    options.onProgress?.({ transferredBytes: 0, totalBytes: bytes.byteLength });
    try {
      for (const chunk of planChunks(bytes.byteLength, this.#uploadChunkBytes)) {
        cancelled(options.signal, "upload");
        const input = bytes.subarray(chunk.offset, chunk.offset + chunk.length);
        const result = await this.#run(instanceId, appendCommand(part), input.byteLength > 0 ? { input } : {});
        if (result.exitCode !== 0) {
          if (isDiskFull(result.stderr)) {
            throw new Ec2Error(
              "InsufficientFreeSpace",
              `The guest's disk filled up while ${target} was written: ${reason(result)}. Nothing was kept.`,
            );
          }
          throw new Ec2Error("GuestAgentError", `Writing ${target} failed: ${reason(result)}. Nothing was kept.`);
        }
        sent += chunk.length;
        options.onProgress?.({ transferredBytes: sent, totalBytes: bytes.byteLength });
      }
      cancelled(options.signal, "upload");
      const finished = await this.#run(instanceId, finishUploadCommand(part, target, sha256), {}, FINISH_TIMEOUT_MS);
      if (finished.exitCode !== 0) {
        throw new Ec2Error("GuestAgentError", `${target} did not arrive intact (${reason(finished)}); nothing was kept. Try again.`);
      }
    } catch (error) {
      // Whatever went wrong, no half-written file stays behind (the instance may be gone: then so is the file).
      await this.#shell.runCommand(instanceId, removeCommand(part)).catch(() => undefined);
      throw error;
    }
    return { path: target, sizeBytes: bytes.byteLength, sha256 };
  }

  /** Copies a file out of the guest; a directory comes as a tar archive of it. */
  async downloadPath(instanceId: string, path: string, options: TransferOptions = {}): Promise<DownloadedPath> {
    const source = parseGuestPath(path);
    this.#requireRunning(instanceId, "copy a file from");
    const statResult = await this.#run(instanceId, statCommand(source));
    const stat = statResult.exitCode === 0 ? parseStat(statResult.stdout) : null;
    if (!stat) throw new Ec2Error("InvalidParameterValue", `Cannot copy ${source} from ${instanceId}: ${reason(statResult)}.`);
    if (stat.kind === "other") throw new Ec2Error("InvalidParameterValue", `${source} is neither a file nor a directory.`);
    if (stat.kind === "file") {
      return { fileName: baseName(source), kind: "file", bytes: await this.#readFile(instanceId, source, stat.sizeBytes, options) };
    }
    const tarPath = `/tmp/.tabcloud-download-${Date.now().toString(36)}.tar`;
    try {
      const packed = await this.#run(instanceId, tarCommand(source, tarPath), {}, FINISH_TIMEOUT_MS);
      const tarBytes = Number(packed.stdout.trim());
      if (packed.exitCode !== 0 || !Number.isSafeInteger(tarBytes)) {
        throw new Ec2Error(
          isDiskFull(packed.stderr) ? "InsufficientFreeSpace" : "GuestAgentError",
          `Cannot pack ${source}: ${reason(packed)}.`,
        );
      }
      const fileName = `${source === "/" ? "root" : baseName(source)}.tar`;
      return { fileName, kind: "directory", bytes: await this.#readFile(instanceId, tarPath, tarBytes, options) };
    } finally {
      await this.#shell.runCommand(instanceId, removeCommand(tarPath)).catch(() => undefined);
    }
  }

  async #readFile(instanceId: string, path: string, sizeBytes: number, options: TransferOptions): Promise<Uint8Array> {
    const bytes = new Uint8Array(sizeBytes);
    let received = 0;
    options.onProgress?.({ transferredBytes: 0, totalBytes: sizeBytes });
    for (const chunk of planChunks(sizeBytes, this.#downloadChunkBytes)) {
      if (chunk.length === 0) break;
      cancelled(options.signal, "download");
      const result = await this.#run(instanceId, readChunkCommand(path, chunk, this.#downloadChunkBytes), { binaryStdout: true });
      const part = result.stdoutBytes ?? new Uint8Array(0);
      // A file that changed size while it was read is refused, not returned torn.
      if (result.exitCode !== 0 || part.byteLength !== chunk.length) {
        throw new Ec2Error(
          "GuestAgentError",
          `Reading ${path} failed at byte ${chunk.offset}: ${reason(result) || "the file changed while it was read"}.`,
        );
      }
      bytes.set(part, chunk.offset);
      received += part.byteLength;
      options.onProgress?.({ transferredBytes: received, totalBytes: sizeBytes });
    }
    return bytes;
  }

  #requireRunning(instanceId: string, doing: string): void {
    const [instance] = this.#shell.describeInstances({ instanceIds: [instanceId] });
    if (instance && instance.state.name !== "running") {
      throw new Ec2Error(
        "IncorrectInstanceState",
        `Cannot ${doing} the instance ${instanceId}: it is ${instance.state.name}. Start it first.`,
      );
    }
  }

  #run(instanceId: string, command: string, options: RunCommandOptions = {}, timeoutMs = PART_TIMEOUT_MS): Promise<ExecResult> {
    return this.#shell.runCommand(instanceId, command, { ...options, timeoutMs });
  }
}

function cancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new Ec2Error("TransferCancelled", `The ${what} was cancelled. Nothing was kept.`);
}

function reason(result: ExecResult): string {
  return result.stderr.trim().split("\n").pop() ?? "";
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
