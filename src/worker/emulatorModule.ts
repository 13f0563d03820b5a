/**
 * The emulator compiled once on the page, for every instance worker (see InstanceWorkerApi's
 * useEmulator). Null where the page cannot compile it: each worker then compiles its own.
 */
import emulatorWasmUrl from "v86/build/v86.wasm?url";

let compiled: Promise<WebAssembly.Module | null> | null = null;

export function compiledEmulator(): Promise<WebAssembly.Module | null> {
  compiled ??= WebAssembly.compileStreaming(fetch(emulatorWasmUrl)).catch(() => null);
  return compiled;
}
