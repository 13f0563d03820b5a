/**
 * The Files panel's state: the transfers of this page, each with its progress, outcome and a way
 * to cancel it. The copying itself is FileTransfers' (hypervisor/files/); this class only keeps
 * what the panel shows. Uploads run one after another: the guest's agent serves one command at
 * a time anyway, and a queue shows each file's own progress.
 */
import { FileTransfers, type DownloadedPath, type Hypervisor, type TransferProgress } from "../hypervisor/index.ts";
import { toCloudError, type CloudError } from "../shared/errors.ts";

export interface Transfer {
  readonly id: number;
  readonly instanceId: string;
  readonly direction: "upload" | "download";
  /** The guest path: the target of an upload, the source of a download. */
  readonly path: string;
  totalBytes: number;
  transferredBytes: number;
  status: "waiting" | "running" | "done" | "failed" | "cancelled";
  error: CloudError | null;
  /** The name a finished download was saved under (a directory's ends in .tar). */
  savedAs: string | null;
  readonly controller: AbortController;
}

export class FilesState {
  readonly #files: FileTransfers;
  readonly #save: (download: DownloadedPath) => void;
  #nextId = 1;
  #queue: Promise<unknown> = Promise.resolve();
  transfers = $state<Transfer[]>([]);

  /** save: hands a finished download to the person (the browser's download). */
  constructor(hypervisor: Hypervisor, save: (download: DownloadedPath) => void) {
    this.#files = new FileTransfers(hypervisor);
    this.#save = save;
  }

  /** Queues the files for upload into the guest directory. */
  upload(instanceId: string, directory: string, files: readonly File[]): void {
    for (const file of files) {
      const transfer = this.#add(instanceId, "upload", `${directory.replace(/\/+$/, "")}/${file.name}`, file.size);
      this.#enqueue(transfer, async () => {
        const bytes = new Uint8Array(await file.arrayBuffer());
        await this.#files.uploadFile(instanceId, directory, file.name, bytes, this.#options(transfer));
      });
    }
  }

  download(instanceId: string, path: string): void {
    const transfer = this.#add(instanceId, "download", path, 0);
    this.#enqueue(transfer, async () => {
      const download = await this.#files.downloadPath(instanceId, path, this.#options(transfer));
      transfer.savedAs = download.fileName;
      this.#save(download);
    });
  }

  cancel(id: number): void {
    this.transfers.find((transfer) => transfer.id === id)?.controller.abort();
  }

  /** Forgets the transfers that have ended. */
  clearEnded(): void {
    this.transfers = this.transfers.filter((transfer) => transfer.status === "waiting" || transfer.status === "running");
  }

  #add(instanceId: string, direction: Transfer["direction"], path: string, totalBytes: number): Transfer {
    this.transfers.push({
      id: this.#nextId++,
      instanceId,
      direction,
      path,
      totalBytes,
      transferredBytes: 0,
      status: "waiting",
      error: null,
      savedAs: null,
      controller: new AbortController(),
    });
    // The proxy $state made of it, so that changes to it are seen.
    return this.transfers.at(-1) as Transfer;
  }

  #options(transfer: Transfer) {
    return {
      signal: transfer.controller.signal,
      onProgress: (progress: TransferProgress) => {
        transfer.transferredBytes = progress.transferredBytes;
        transfer.totalBytes = progress.totalBytes;
      },
    };
  }

  #enqueue(transfer: Transfer, work: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (transfer.controller.signal.aborted) {
        transfer.status = "cancelled";
        return;
      }
      transfer.status = "running";
      try {
        await work();
        transfer.status = "done";
      } catch (error) {
        const cloudError = toCloudError(error);
        transfer.status = cloudError.code === "TransferCancelled" ? "cancelled" : "failed";
        transfer.error = transfer.status === "failed" ? cloudError : null;
      }
    });
  }
}
