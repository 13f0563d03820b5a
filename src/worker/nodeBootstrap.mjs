// Starts a worker's TypeScript inside a worker_threads thread: tsx compiles it on load. The
// instance worker by default; another entry (the VPC fabric's) when workerData names its URL.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const entry = typeof workerData?.entry === "string" ? workerData.entry : "./nodeEntry.ts";
await import(new URL(entry, import.meta.url).href);
