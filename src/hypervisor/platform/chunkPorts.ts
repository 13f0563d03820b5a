/**
 * Serves a lazily loaded disk's chunks to one emulator: a channel of its own, the worker's end
 * going with the boot (BootSpec volumes' lazyBase), this end answering each request with the
 * chunks' verified bytes. MessageChannel is the browser's, or under Node worker_threads'.
 */
import type { ChunkedFile } from "../../images/chunkedFile.ts";
import type { CloudError } from "../../shared/errors.ts";
import type { ChunkPort, ChunkReply, ChunkRequest, LazyBaseSpec } from "../../worker/api.ts";

/** The page's end of the channel, as much of it as is used here. */
interface ServingPort {
  postMessage(message: ChunkReply): void;
  onmessage: ((event: { readonly data: ChunkRequest }) => void) | null;
  close(): void;
}

/**
 * A lazy base for a boot. onError hears why a chunk could not be had (the worker asks again a
 * little later), so the person can be told.
 */
export function serveChunks(file: ChunkedFile, onError: (error: CloudError) => void): LazyBaseSpec {
  const { port1, port2 } = new MessageChannel();
  const serving = port1 as unknown as ServingPort;
  serving.onmessage = (event) => {
    const { id, indexes } = event.data;
    void Promise.all(indexes.map(async (index) => [index, await file.chunk(index)] as const)).then((results) => {
      const failed = results.find(([, result]) => !result.ok)?.[1];
      if (failed && !failed.ok) {
        onError(failed.error);
        return serving.postMessage({ id, ok: false, error: failed.error });
      }
      const chunks = results.flatMap(([index, result]) => (result.ok ? [[index, result.value] as const] : []));
      serving.postMessage({ id, ok: true, chunks });
    });
  };
  return { chunkBytes: file.file.chunkBytes, present: file.present(), port: port2 as unknown as ChunkPort };
}

/** The lazy bases' ports in a boot's volumes, to transfer with it. */
export function lazyBasePorts(volumes: readonly ({ readonly lazyBase?: LazyBaseSpec } | null | undefined)[]): ChunkPort[] {
  return volumes.flatMap((volume) => (volume?.lazyBase ? [volume.lazyBase.port] : []));
}
