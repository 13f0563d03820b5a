/** The hypervisor as the page runs it (Web Workers, IndexedDB): for the page's start and the benchmarks' page. */
export { createBrowserHypervisor, type BrowserHypervisorOptions } from "./platform/browserHypervisor.ts";
