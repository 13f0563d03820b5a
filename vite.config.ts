import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { VitePWA } from "vite-plugin-pwa";
import { FlakyReporter } from "./tests/flakyReporter.ts";

const repo = fileURLToPath(new URL(".", import.meta.url));

/**
 * Cross-origin isolation, on every response: only an isolated page may use SharedArrayBuffer, which
 * lets instances' workers share an image's disk instead of each receiving a copy (shared/sharedBytes.ts).
 * The service worker (src/sw.ts) adds the same headers to what it answers; README: Hosting the lab.
 */
const crossOriginIsolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  // The page's entry (index.html) lives in src/, so the repository's top level stays small.
  root: "src",
  publicDir: "../public",
  base: "./",
  plugins: [
    svelte({ compilerOptions: { runes: true } }),
    // The offline app shell: src/sw.ts precaches what the console needs to boot with the network
    // off. Image files are not in it: the storage layer keeps them in IndexedDB.
    VitePWA({
      strategies: "injectManifest",
      srcDir: ".",
      filename: "sw.ts",
      registerType: "autoUpdate",
      injectRegister: false,
      manifest: false,
      injectManifest: {
        // The page, its scripts, styles and v86.wasm, and the image catalog and manifests (JSON).
        globPatterns: ["index.html", "favicon.svg", "assets/*.{js,css,wasm}", "images/**/*.json"],
        // The benchmark page is not part of the console, nor are the Node stubs only it refers to.
        globIgnores: ["assets/bench-*", "assets/__vite-browser-external-*"],
        // v86.wasm is 2.0 MiB, just over Workbox's 2 MiB default.
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
    }),
  ],
  worker: { format: "es" },
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1024,
    rollupOptions: { input: { main: `${repo}src/index.html`, bench: `${repo}src/bench.html` } },
  },
  preview: { port: 4173, strictPort: true, headers: crossOriginIsolation },
  server: { port: 5173, headers: crossOriginIsolation },
  test: {
    // A test that passes only on a retry is named in the output, as Playwright names its flaky tests.
    reporters: ["default", new FlakyReporter()],
    projects: [
      {
        extends: true,
        test: { name: "unit", root: repo, include: ["src/**/*.test.ts", "tests/*.test.ts"], environment: "node" },
      },
      {
        extends: true,
        test: {
          name: "integration",
          root: repo,
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file boots real emulators; one file at a time is what two cores hold.
          fileParallelism: false,
          // On CI a loaded machine can slow a boot past a wait: one retry, reported as such.
          retry: process.env.CI ? 1 : 0,
        },
      },
    ],
  },
});
