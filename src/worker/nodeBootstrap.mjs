// Starts the instance worker's TypeScript inside a worker_threads thread: tsx compiles it on load.
import { register } from "tsx/esm/api";

register();
await import("./nodeEntry.ts");
