/** The hypervisor under Node (worker_threads, fake-indexeddb, images read from disk): for integration tests and benchmarks. */
export { createNodeHypervisor, SERVED_IMAGES_DIR } from "./platform/nodeHypervisor.ts";
export { NodeWorkerHost } from "./platform/nodeWorkerHost.ts";
/** @public */
export type { NodeHypervisorOptions } from "./platform/nodeHypervisor.ts";
