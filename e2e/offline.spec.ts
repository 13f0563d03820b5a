import { expect, test, type Page } from "@playwright/test";
import { launchInstance } from "./terminal.ts";

const OFFLINE_BADGE = "Offline — images cached in this browser still launch";

/** Waits until the service worker has installed the app shell and controls the page. */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** The fleet lock as the browser sees it: how many tabs hold it and how many wait for it. */
async function fleetLock(page: Page): Promise<{ held: number; pending: number }> {
  return page.evaluate(async () => {
    const { held = [], pending = [] } = await navigator.locks.query();
    const fleet = (locks: LockInfo[]) => locks.filter((lock) => lock.name === "tabcloud-fleet").length;
    return { held: fleet(held), pending: fleet(pending) };
  });
}

test("a second tab does not run the fleet; it takes over when the first tab closes", async ({ context, page }) => {
  await page.goto("./");
  await expect(page.getByRole("heading", { name: /Instances/ })).toBeVisible();

  const second = await context.newPage();
  await second.goto("./");
  await expect(second.getByRole("heading", { name: "tabcloud is open in another tab" })).toBeVisible();
  await expect(second.getByText("One tab runs your instances at a time: close the other tab, or use it.")).toBeVisible();
  await expect(second.getByRole("navigation", { name: "Console" })).toHaveCount(0);
  await expect(second.getByRole("button", { name: "Launch instances", exact: true })).toHaveCount(0);

  // Asking to use this tab waits for the first to let go: it does not take the fleet from it.
  await second.getByRole("button", { name: "Use this tab" }).click();
  await expect(second.getByRole("status")).toContainText("Waiting for the other tab to close");
  await expect.poll(() => fleetLock(second)).toEqual({ held: 1, pending: 1 });
  await expect(second.getByRole("button", { name: "Launch instances", exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Launch instances", exact: true })).toBeEnabled();

  await page.close();
  await expect(second.getByRole("navigation", { name: "Console" })).toBeVisible();
  await expect(second.getByRole("heading", { name: /Instances/ })).toBeVisible();
  await expect.poll(() => fleetLock(second)).toEqual({ held: 1, pending: 0 });
  // This tab's hypervisor runs instances now.
  await launchInstance(second);
  const row = second.locator("tbody tr[data-instance-id]").first();
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "running", { timeout: 60_000 });
});

test("after one visit the console opens with the network off, and says it is offline", async ({ context, page }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  await expect(page.getByRole("heading", { name: /Instances/ })).toBeVisible();
  await expect(page.getByText(OFFLINE_BADGE)).toHaveCount(0);
  await waitForServiceWorker(page);

  // Online, the image catalog comes from the network even though the service worker keeps a copy:
  // an image rebuilt on the server is seen at once.
  await context.route("**/images/tabcloud-linux/manifest.json", async (route) => {
    const response = await route.fetch();
    const manifest = (await response.json()) as { description: string };
    await route.fulfill({ response, json: { ...manifest, description: "Rebuilt on the server." } });
  });
  await page.reload();
  await page.getByRole("button", { name: "Images (AMIs)" }).click();
  await expect(page.getByText("Rebuilt on the server.")).toBeVisible();
  await context.unrouteAll();
  await page.getByRole("button", { name: "Instances" }).click();

  await context.setOffline(true);
  // The badge follows the browser's offline event, without a reload.
  await expect(page.getByText(OFFLINE_BADGE)).toBeVisible();
  // Really offline: a file the service worker does not keep (an image's kernel) cannot be fetched.
  expect(
    await page.evaluate(() =>
      fetch("images/tabcloud-linux/bzImage.gz").then(
        () => "fetched",
        () => "failed",
      ),
    ),
  ).toBe("failed");

  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  await expect(page.getByRole("navigation", { name: "Console" })).toBeVisible();
  await expect(page.getByRole("heading", { name: /Instances/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Launch instances", exact: true })).toBeEnabled();
  await expect(page.getByText(OFFLINE_BADGE)).toBeVisible();
  // The image catalog and manifests come from the service worker's cache...
  await page.getByRole("button", { name: "Images (AMIs)" }).click();
  await expect(page.getByRole("heading", { name: "tabcloud-linux-1.0.0-i686", exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "tabcloud-linux-1.0.0-i686-instance-store", exact: true })).toBeVisible();
  // ...the last copy read, not the one precached with the build.
  await expect(page.getByText("Rebuilt on the server.")).toBeVisible();

  await context.setOffline(false);
  await expect(page.getByText(OFFLINE_BADGE)).toHaveCount(0);
  expect(errors).toEqual([]);
});
