/**
 * An image file held once for every worker. Where the page may share memory with its workers
 * (cross-origin isolated, as `npm start` serves it; always under Node) the bytes are a
 * SharedArrayBuffer, which a worker receives without a copy; elsewhere a plain buffer, which
 * each worker that boots from it receives a copy of.
 */
export type ImageBytes = ArrayBuffer | SharedArrayBuffer;

function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === "function" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

/** The bytes in memory the workers can share, when the page may; the same buffer otherwise. */
export function shareable(bytes: ArrayBuffer): ImageBytes {
  if (!canShareMemory()) return bytes;
  const shared = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(shared).set(new Uint8Array(bytes));
  return shared;
}

/** Zeros of this size that the workers can share, when the page may: a chunked file fills it in as chunks arrive. */
export function shareableZeros(sizeBytes: number): ImageBytes {
  return canShareMemory() ? new SharedArrayBuffer(sizeBytes) : new ArrayBuffer(sizeBytes);
}

/** A private copy as a plain buffer, for what must not be shared (v86's firmware and kernel loaders, IndexedDB, hashing). */
export function privateCopy(bytes: ImageBytes): ArrayBuffer {
  return bytes instanceof ArrayBuffer ? bytes : new Uint8Array(bytes).slice().buffer;
}
