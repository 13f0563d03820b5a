/**
 * A compiled WebAssembly module, for the DOM-free check (tsconfig.core.json) only: the worker's
 * API hands the page's compiled emulator to each instance worker, and the hypervisor imports that
 * API; WebAssembly is not the DOM (Node and workers have it), yet only lib.dom declares it here.
 * Declared as far as the API names it.
 */
declare namespace WebAssembly {
  class Module {}
}
