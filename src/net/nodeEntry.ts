/** The VPC fabric's worker under Node: a worker_threads thread, started by src/worker/nodeBootstrap.mjs. */
import { parentPort } from "node:worker_threads";
import { expose } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { FabricWorker } from "./fabricWorker.ts";
import { realScheduler } from "./tcp/scheduler.ts";

if (!parentPort) throw new Error("nodeEntry.ts runs only as a worker thread");

expose(new FabricWorker(realScheduler), nodeEndpoint(parentPort));
