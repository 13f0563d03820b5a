/**
 * The architecture: which part of src/ may import which. This table is the one place the
 * direction is written down; eslint.config.js turns it into no-restricted-imports rules, so
 * `npm run check` fails on an import that goes the wrong way.
 *
 * Layers are listed bottom to top. A layer imports only the layers in its `imports`: `"*"` for
 * any file of that layer, or a list of the files it may import (src/hypervisor is reached only
 * through its public surface). Imports inside a layer are free.
 */

/** Any file of the layer. */
const ALL = "*";

/**
 * @typedef {object} Layer
 * @property {string} name
 * @property {readonly string[]} files folders (or single files) of src/ that make the layer
 * @property {string} why what the layer is, said in the message of a wrong-way import
 * @property {string} [instead] where to find what a wrong-way import was after
 * @property {Readonly<Record<string, "*" | readonly string[]>>} imports
 */

/** @type {readonly Layer[]} */
export const LAYERS = [
  {
    name: "shared",
    files: ["src/shared"],
    why: "EC2-style errors and results, used everywhere, so it depends on nothing of ours",
    imports: {},
  },
  {
    name: "disk",
    files: ["src/disk"],
    why: "the copy-on-write block overlay and block sets, pure byte logic the worker, images and hypervisor share",
    imports: { shared: ALL },
  },
  {
    name: "guest",
    files: ["src/guest"],
    why: "the guest agent's protocol and client, the same on both sides of the worker",
    imports: { shared: ALL },
  },
  {
    name: "persistence",
    files: ["src/persistence"],
    why: "IndexedDB, which stores what it is given and decides nothing about images or instances",
    imports: { shared: ALL, disk: ALL },
  },
  {
    name: "images",
    files: ["src/images"],
    why: "image manifests, the catalog and the image cache's rules, below the hypervisor that launches them",
    imports: { shared: ALL, disk: ALL, persistence: ALL },
  },
  {
    name: "net",
    files: ["src/net"],
    why: "the VPC fabric: packets, the switch, security groups and the services it answers, pure logic and its own worker, knowing nothing of instances' emulators",
    imports: { shared: ALL },
  },
  {
    name: "worker",
    files: ["src/worker"],
    why: "one emulator per Web Worker, which knows disks and the guest protocol, never the hypervisor that drives it",
    imports: { shared: ALL, disk: ALL, guest: ALL, net: ["fabricApi.ts", "topology.ts"] },
  },
  {
    name: "hypervisor",
    files: ["src/hypervisor"],
    why: "every EC2 resource and action, composed of everything below it and knowing nothing of labs or the console",
    imports: { shared: ALL, disk: ALL, guest: ALL, persistence: ALL, images: ALL, worker: ALL, net: ALL },
  },
  {
    name: "labs",
    // Lab progress reaches the console through the labs module, so labs read and write it in persistence.
    files: ["src/labs"],
    why: "guided exercises, which drive the hypervisor through its public API like a person at the console",
    imports: { shared: ALL, guest: ALL, persistence: ALL, hypervisor: ["index.ts"] },
  },
  {
    name: "ui",
    files: ["src/ui"],
    why: "the Svelte console, which shows state and calls the hypervisor's public API and the labs",
    instead: "Instances, volumes and images (with their types) come through src/hypervisor/index.ts; lab progress through src/labs.",
    imports: { shared: ALL, labs: ALL, hypervisor: ["index.ts"] },
  },
  {
    name: "bench page",
    files: ["src/bench"],
    why: "the page `npm run bench` drives, which runs an instance worker on the main thread to compare, so it reaches below the API",
    // The console's relay for public addresses, so the browser-to-guest benchmark measures the console's own path.
    imports: {
      shared: ALL,
      persistence: ALL,
      images: ALL,
      worker: ALL,
      net: ALL,
      hypervisor: ["index.ts", "browser.ts"],
      app: ["publicAddressRelay.ts"],
    },
  },
  {
    name: "service worker",
    files: ["src/sw.ts", "src/swPublicAddresses.ts"],
    why: "the offline cache and the route to instances' public addresses, which run without the page, so they import nothing of the app but the route's message shapes",
    imports: { net: ["publicRoute.ts", "fabricApi.ts"] },
  },
  {
    name: "app",
    files: ["src/app", "src/main.ts"],
    why: "the composition root, which wires the hypervisor's constructor, the console and the page together",
    imports: {
      shared: ALL,
      disk: ALL,
      guest: ALL,
      persistence: ALL,
      images: ALL,
      worker: ALL,
      net: ALL,
      labs: ALL,
      ui: ALL,
      hypervisor: ["index.ts", "browser.ts"],
    },
  },
];

/** Code outside src/: tests, benchmarks, browser tests and the image build. They import what they test. */
export const OUTSIDE_SRC = {
  files: ["tests", "bench", "e2e", "images"],
  hypervisor: ["index.ts", "node.ts", "browser.ts"],
};

/**
 * Packages only one part of src/ may import (by layer name). Only persistence opens IndexedDB;
 * only the worker runs the emulator; only the console and its start use Svelte.
 */
export const PACKAGES = {
  idb: { layers: ["persistence"], why: "only src/persistence opens IndexedDB: store and read through it" },
  v86: { layers: ["worker"], why: "only src/worker runs the emulator: drive it through the worker's API (worker/api.ts)" },
  svelte: { layers: ["ui", "app"], why: "only the console uses Svelte: keep this code free of it" },
};

/** Imports a package rule lets through: the bench page loads the emulator's WebAssembly by URL, not the emulator. */
export const PACKAGE_EXCEPTIONS = {
  "bench page": ["v86/build/v86.wasm?url"],
};
