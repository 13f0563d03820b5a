/**
 * A hypervisor on a database of the benchmarks' own, so they leave the console's fleet and images
 * alone. Fast launch is off unless asked for: a golden boot in the background would share the CPU
 * with what a benchmark measures, and a boot benchmark measures cold boots.
 */
import { createBrowserHypervisor, type BrowserHypervisorOptions } from "../hypervisor/browser.ts";
import type { Hypervisor } from "../hypervisor/index.ts";
import { openPersistence } from "../persistence/persistence.ts";

export async function benchHypervisor(databaseName: string, options: BrowserHypervisorOptions = {}): Promise<Hypervisor> {
  const persistence = await openPersistence({ name: databaseName });
  return createBrowserHypervisor(document.baseURI, persistence, { fastLaunch: false, ...options });
}
