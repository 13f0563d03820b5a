/**
 * The service worker: the lab's app shell, precached at install, so the console opens with the
 * network off. vite-plugin-pwa builds this file and injects the precache list (vite.config.ts
 * says what is in it). Image files are not: the storage layer keeps them in IndexedDB.
 */
import { clientsClaim } from "workbox-core";
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute, type PrecacheEntry } from "workbox-precaching";
import { registerRoute } from "workbox-routing";
import { NetworkFirst } from "workbox-strategies";
import { answerPublicAddress } from "./swPublicAddresses.ts";

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<PrecacheEntry | string> };

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
    plugins: [{ handlerDidError: async ({ request }) => matchPrecache(request) }],
  }),
);

// An instance's public address (vpc/<ip>/<port>/...): the tab that runs the fleet answers it.
const publicPrefix = new URL("vpc/", self.registration.scope);
registerRoute(
  ({ url }) => url.origin === publicPrefix.origin && url.pathname.startsWith(publicPrefix.pathname),
  ({ request, url }) => answerPublicAddress(request, url.pathname.slice(publicPrefix.pathname.length) + url.search),
  "GET",
);
for (const method of ["POST", "PUT", "DELETE", "PATCH", "HEAD"] as const) {
  registerRoute(
    ({ url }) => url.origin === publicPrefix.origin && url.pathname.startsWith(publicPrefix.pathname),
    ({ request, url }) => answerPublicAddress(request, url.pathname.slice(publicPrefix.pathname.length) + url.search),
    method,
  );
}

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
