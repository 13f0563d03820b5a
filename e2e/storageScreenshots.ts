/**
 * Screenshots of the storage views (Volumes, Snapshots, Images, the Dashboard's storage) with
 * something in them: an instance, an image made from it, volumes and a snapshot.
 *   npm run build && npx tsx e2e/storageScreenshots.ts [folder]   (serves dist/, or $DIST, on port 4176)
 */
import { spawn } from "node:child_process";
import { chromium, type Page } from "@playwright/test";
import { chromiumArgs } from "./playwright.config.ts";
import { openConsolePage } from "./terminal.ts";

const base = "http://127.0.0.1:4176/";
const folder = process.argv[2] ?? "e2e/screenshots";
// In its own process group: npx starts vite as a child, and killing npx alone would leave vite serving.
const server = spawn(
  "npx",
  ["vite", "preview", "--host", "127.0.0.1", "--port", "4176", "--strictPort", ...(process.env.DIST ? ["--outDir", process.env.DIST] : [])],
  {
    stdio: "ignore",
    detached: true,
  },
);

async function createVolume(page: Page, name: string, sizeMib: number): Promise<void> {
  await page.getByRole("button", { name: "Create volume" }).click();
  const dialog = page.getByRole("dialog", { name: "Create volume" });
  await dialog.getByLabel(/Size/).fill(String(sizeMib));
  await dialog.getByLabel(/Name tag/).fill(name);
  await dialog.getByRole("button", { name: "Create volume" }).click();
  await dialog.waitFor({ state: "detached" });
}

async function volumeAction(page: Page, name: string, item: string): Promise<void> {
  await page.locator("tbody tr[data-volume-id]", { hasText: name }).click();
  await page.getByRole("button", { name: /^Actions/ }).click();
  await page.getByRole("menuitem", { name: new RegExp(item) }).click();
}

try {
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(base).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: chromiumArgs });
  const page = await browser.newPage({
    viewport: { width: 1280, height: 720 },
    colorScheme: process.env.SCHEME === "light" ? "light" : "dark",
  });
  await page.goto(base);

  await page.getByRole("button", { name: "Launch instances", exact: true }).click();
  const launchDialog = page.getByRole("dialog", { name: "Launch an instance" });
  await launchDialog.getByLabel("Name").fill("web-1");
  await launchDialog.getByRole("button", { name: "Launch instance", exact: true }).click();
  await page.waitForFunction(
    () => /root@i-[0-9a-f]{17}:~# /.test(document.querySelector(".xterm-rows")?.textContent?.replace(/\u00a0/g, " ") ?? ""),
    null,
    { timeout: 60_000 },
  );
  await page.locator('[data-testid="terminal"]').click();
  await page.keyboard.type("echo hello > /root/index.html; sync\n");
  await page.waitForTimeout(500);

  await page.getByRole("button", { name: /^Actions/ }).click();
  await page.getByRole("menuitem", { name: /Create image/ }).click();
  await page.getByRole("dialog").getByLabel("Image name").fill("web-1-golden");
  await page.screenshot({ path: `${folder}/create-image.png` });
  await page.getByRole("dialog").getByRole("button", { name: "Create image" }).click();
  await page.getByTestId("image-created").waitFor();
  await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();

  await page.getByRole("button", { name: "Instance state" }).click();
  await page.getByRole("menuitem", { name: "Stop instance", exact: true }).click();
  await page.locator('tbody tr [data-state="stopped"]').waitFor({ timeout: 30_000 });

  await openConsolePage(page, "Volumes");
  await page.getByRole("button", { name: "Create volume" }).click();
  await page.screenshot({ path: `${folder}/create-volume.png` });
  await page.keyboard.press("Escape");
  await createVolume(page, "data", 64);
  await createVolume(page, "scratch", 8);
  await volumeAction(page, "data", "Attach volume");
  await page.getByRole("dialog").getByRole("button", { name: "Attach volume" }).click();
  await page.locator("tbody tr", { hasText: "data" }).locator('[data-state="in-use"]').waitFor();
  await volumeAction(page, "data", "Create snapshot");
  await page
    .getByRole("dialog")
    .getByLabel(/Description/)
    .fill("data before the upgrade");
  await page.getByRole("dialog").getByRole("button", { name: "Create snapshot" }).click();
  await page.getByRole("dialog").waitFor({ state: "detached" });
  await page.locator("tbody tr", { hasText: "data" }).click();
  await page.screenshot({ path: `${folder}/volumes.png` });

  // The Actions menu of an attached volume: what it cannot do, and why.
  await page.getByRole("button", { name: /^Actions/ }).click();
  await page.screenshot({ path: `${folder}/volumes-menu.png` });
  await page.keyboard.press("Escape");

  await openConsolePage(page, "Snapshots");
  await page.locator("tbody tr").first().click();
  await page.screenshot({ path: `${folder}/snapshots.png` });

  await openConsolePage(page, "Images (AMIs)");
  await page.getByTestId("image-offline").first().waitFor();
  await page.screenshot({ path: `${folder}/images.png` });

  await openConsolePage(page, "Dashboard");
  await page.getByTestId("storage-usage").waitFor();
  await page.screenshot({ path: `${folder}/dashboard-storage.png`, fullPage: true });

  await page.setViewportSize({ width: 420, height: 800 });
  await openConsolePage(page, "Volumes");
  await page.screenshot({ path: `${folder}/volumes-narrow.png` });
  await browser.close();
} finally {
  if (server.pid) process.kill(-server.pid);
}
