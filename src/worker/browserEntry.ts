/** The instance worker in the browser: a dedicated module worker per instance. */
import "./noNestedWorker.ts";
import { expose } from "comlink";
import wasmUrl from "v86/build/v86.wasm?url";
import { InstanceWorker } from "./instanceWorker.ts";

async function loadWasm(): Promise<WebAssembly.Module> {
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`cannot download the emulator (${wasmUrl}: HTTP ${response.status})`);
  return WebAssembly.compile(await response.arrayBuffer());
}

expose(new InstanceWorker({ loadWasm, sameThreadYield: true }));
