/**
 * Cross-origin isolation: only an isolated page may use SharedArrayBuffer, which lets every
 * instance's worker share its image's disk instead of receiving a copy (src/shared/sharedBytes.ts).
 * `vite preview` sends the two headers (vite.config.ts); the service worker adds them to what it
 * answers itself (src/sw.ts), so the lab stays isolated offline.
 */
import { expect, test, type Page } from "@playwright/test";
import { launchAndWaitForPrompt } from "./terminal.ts";

const COOP = "cross-origin-opener-policy";
const COEP = "cross-origin-embedder-policy";
const ISOLATED = { crossOriginIsolated: true, sharedArrayBuffer: true };

/** Run in a page or a worker: whether it may share memory (SharedArrayBuffer exists only where it is isolated). */
const isolation = () => ({ crossOriginIsolated, sharedArrayBuffer: typeof SharedArrayBuffer === "function" });

/** Waits until the service worker has installed the app shell and controls the page. */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

test("the console is cross-origin isolated, its instances boot, and it stays isolated offline", async ({ context, page }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const response = await page.goto("./");
  expect(response?.headers()[COOP]).toBe("same-origin");
  expect(response?.headers()[COEP]).toBe("require-corp");
  await expect(page.getByRole("heading", { name: /Instances/ })).toBeVisible();
  expect(await page.evaluate(isolation)).toEqual(ISOLATED);

  // An instance launched from the console boots: its worker (and the VPC fabric's) start under
  // require-corp, and are isolated too, so the image's bytes reach them as shared memory.
  await launchAndWaitForPrompt(page);
  const workers = await Promise.all(
    page.workers().map(async (worker) => ({ name: await worker.evaluate(() => self.name), ...(await worker.evaluate(isolation)) })),
  );
  expect(workers.map((worker) => worker.name)).toContain("vpc-fabric");
  expect(workers.filter((worker) => worker.name !== "vpc-fabric").length).toBeGreaterThan(0);
  for (const worker of workers) expect(worker).toEqual({ name: worker.name, ...ISOLATED });

  // A response the service worker builds itself (a public address no instance has) carries the headers.
  await waitForServiceWorker(page);
  const built = await page.evaluate(
    async ([coop, coep]) => {
      const answer = await fetch("vpc/203.0.113.250/80/");
      return { status: answer.status, coop: answer.headers.get(coop), coep: answer.headers.get(coep), text: await answer.text() };
    },
    [COOP, COEP] as const,
  );
  expect(built).toMatchObject({ status: 404, coop: "same-origin", coep: "require-corp" });
  expect(built.text).toContain("No such address");

  await context.setOffline(true);
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  await expect(page.getByRole("heading", { name: /Instances/ })).toBeVisible();
  expect(await page.evaluate(isolation)).toEqual(ISOLATED);
  await context.setOffline(false);
  expect(errors).toEqual([]);
});

test("on a host that does not send the headers, the service worker isolates the lab from the second visit on", async ({
  context,
  page,
}) => {
  // The host: every response as vite preview sends it, without the two headers.
  await context.route("**/*", async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers[COOP];
    delete headers[COEP];
    await route.fulfill({ response, headers });
  });
  const first = await page.goto("./");
  expect(first?.headers()[COEP]).toBeUndefined();
  await expect(page.getByRole("heading", { name: /Instances/ })).toBeVisible();
  // The first visit works without them: each instance would hold a private copy of its image's disk.
  expect(await page.evaluate(isolation)).toEqual({ crossOriginIsolated: false, sharedArrayBuffer: false });

  // The service worker stored the page as this host sent it, without the headers...
  await waitForServiceWorker(page);
  const stored = await page.evaluate(async (coep) => {
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        if (new URL(request.url).pathname.endsWith("/index.html")) return { coep: (await cache.match(request))?.headers.get(coep) ?? null };
      }
    }
    return null;
  }, COEP);
  expect(stored).toEqual({ coep: null });

  // ...and answers it with them, with the network off too.
  await context.unrouteAll();
  await context.setOffline(true);
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  expect(reloaded?.headers()[COOP]).toBe("same-origin");
  expect(reloaded?.headers()[COEP]).toBe("require-corp");
  await expect(page.getByRole("heading", { name: /Instances/ })).toBeVisible();
  expect(await page.evaluate(isolation)).toEqual(ISOLATED);
  await context.setOffline(false);
});
