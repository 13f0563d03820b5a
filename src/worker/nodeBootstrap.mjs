// Starts a worker's TypeScript inside a worker_threads thread: tsx compiles it on load. The
// instance worker by default; another entry (the VPC fabric's) when workerData names its URL.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
if (typeof workerData?.entry === "string") await import(workerData.entry);
else await import("./nodeEntry.ts");
