/**
 * The service worker: the lab's app shell, precached at install, so the console opens with the
 * network off. vite-plugin-pwa builds this file and injects the precache list (vite.config.ts
 * says what is in it). Image files are not: the storage layer keeps them in IndexedDB.
 */
import { clientsClaim } from "workbox-core";
import type { RouteHandlerCallback, WorkboxPlugin } from "workbox-core/types.js";
import { addPlugins, cleanupOutdatedCaches, matchPrecache, precacheAndRoute, type PrecacheEntry } from "workbox-precaching";
import { registerRoute } from "workbox-routing";
import { NetworkFirst } from "workbox-strategies";
import { answerPublicAddress } from "./swPublicAddresses.ts";

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<PrecacheEntry | string> };

/**
 * The headers that make the page cross-origin isolated (vite.config.ts sends them too), so it may
 * share an image's bytes with its instances' workers as a SharedArrayBuffer instead of copying them
 * to each. A cached response has them only if the server sent them when it was stored, and a
 * Response built here has none: every answer of this worker gets them, offline too.
 */
const ISOLATION_HEADERS = [
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Cross-Origin-Embedder-Policy", "require-corp"],
] as const;

/** The response with the isolation headers it lacks; one that states its own policy keeps it. */
function withIsolationHeaders(response: Response): Response {
  // An opaque or error response can be neither read nor rebuilt.
  if (response.type === "opaque" || response.type === "opaqueredirect" || response.type === "error") return response;
  const missing = ISOLATION_HEADERS.filter(([name]) => !response.headers.has(name));
  if (missing.length === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of missing) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** For Workbox's strategies: runs on whatever they answer, from the network, a cache or a fallback. */
const isolationPlugin: WorkboxPlugin = { handlerWillRespond: async ({ response }) => withIsolationHeaders(response) };

// A new version takes over at once; the page reloads itself when it does (registerType autoUpdate).
void self.skipWaiting();
clientsClaim();

// The image catalog and manifests (the JSON files under images/): the network's when online, so a
// rebuilt image is seen at once; offline, the last copy read, or the one precached with this build.
// Registered before the precache route, which would otherwise answer first with the build's copy.
const imagesPath = new URL("images/", self.registration.scope).pathname;
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith(imagesPath) && url.pathname.endsWith(".json"),
  new NetworkFirst({
    cacheName: "tabcloud-image-catalog",
    networkTimeoutSeconds: 5,
    plugins: [{ handlerDidError: async ({ request }) => matchPrecache(request) }, isolationPlugin],
  }),
);

// An instance's public address (vpc/<ip>/<port>/...): the tab that runs the fleet answers it. The
// guest's page is of this origin, so it gets the isolation headers too, unless its server sends its own.
const publicPrefix = new URL("vpc/", self.registration.scope);
const answerPublic: RouteHandlerCallback = async ({ request, url }) =>
  withIsolationHeaders(await answerPublicAddress(request, url.pathname.slice(publicPrefix.pathname.length) + url.search));
for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"] as const) {
  registerRoute(({ url }) => url.origin === publicPrefix.origin && url.pathname.startsWith(publicPrefix.pathname), answerPublic, method);
}

addPlugins([isolationPlugin]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
