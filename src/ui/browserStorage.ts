/**
 * What the browser itself says about tabcloud's storage (the StorageManager API: usage against
 * quota, whether it may evict tabcloud's data), and saving bytes to a file on the user's disk.
 * The only module of the console that touches these browser APIs.
 */

export interface BrowserStorageStatus {
  /** Bytes this site holds (IndexedDB, caches, service worker), as the browser estimates them. */
  readonly usageBytes: number;
  /** Bytes this site may hold before writes fail. */
  readonly quotaBytes: number;
  /** True when the browser will not evict this site's data under storage pressure. */
  readonly persisted: boolean;
}

/** The browser's estimate, or null where the StorageManager API is missing (an insecure origin, an old browser). */
export async function browserStorageStatus(): Promise<BrowserStorageStatus | null> {
  const manager = navigator.storage as StorageManager | undefined;
  if (!manager?.estimate) return null;
  const [estimate, persisted] = await Promise.all([manager.estimate(), manager.persisted ? manager.persisted() : Promise.resolve(false)]);
  return { usageBytes: estimate.usage ?? 0, quotaBytes: estimate.quota ?? 0, persisted };
}

/**
 * Asks the browser to keep this site's data under storage pressure. Chromium decides on its own
 * (site engagement, an installed app, bookmarks) without asking the user; Firefox asks. Returns
 * whether storage is persistent now.
 */
export async function requestPersistentStorage(): Promise<boolean> {
  const manager = navigator.storage as StorageManager | undefined;
  if (!manager?.persist) return false;
  return manager.persist();
}

/** Offers bytes to the user as a file download (a Blob behind an object URL, released afterwards). */
export function saveBytesAsFile(bytes: Uint8Array, fileName: string): void {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.style.display = "none";
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its own reference by the time this runs.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A file the user picked, as bytes. */
export async function readFileBytes(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}
