/** The instance worker under Node: a worker_threads thread per instance, same API as in the browser. */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";
import { expose } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { InstanceWorker } from "./instanceWorker.ts";

if (!parentPort) throw new Error("nodeEntry.ts runs only as a worker thread");

const wasmPath = createRequire(import.meta.url).resolve("v86/build/v86.wasm");

expose(
  new InstanceWorker({ loadWasm: async () => WebAssembly.compile(await readFile(wasmPath)), sameThreadYield: true }),
  nodeEndpoint(parentPort),
);
