/**
 * Storage benchmarks in Debian's Chromium: a launch whose image is already in IndexedDB, disk
 * speed on overlay volumes against v86's in-memory disks, and a fleet coming back after a reload.
 */
import type { Browser, Page } from "@playwright/test";
import { report, round } from "./stats.ts";

async function reload(page: Page): Promise<void> {
  await page.reload();
  await page.waitForFunction(() => "tabcloudBench" in window);
}

export async function benchStorage(browser: Browser, openBenchPage: (browser: Browser) => Promise<Page>): Promise<void> {
  let page = await openBenchPage(browser);
  const firstMs = await page.evaluate(() => window.tabcloudBench.storage.firstLaunch());
  await reload(page);
  const cached = await page.evaluate(() => window.tabcloudBench.storage.cachedLaunch());
  report({
    bench: "launch-cached",
    env: "chromium",
    launchToPromptMs: round(cached.launchToPromptMs),
    bootToPromptMs: round(cached.bootToPromptMs),
    extraMs: round(cached.launchToPromptMs - cached.bootToPromptMs),
    firstLaunchWithDownloadMs: round(firstMs),
  });
  await page.close();

  // Both in one page, one after the other, so neither gets a warmer machine: overlay first, then in-memory, then overlay again.
  page = await openBenchPage(browser);
  const overlayA = await page.evaluate(() => window.tabcloudBench.storage.diskSpeed(false));
  const memory = await page.evaluate(() => window.tabcloudBench.storage.diskSpeed(true));
  const overlayB = await page.evaluate(() => window.tabcloudBench.storage.diskSpeed(false));
  await page.close();
  const overlay = { writeMiBps: (overlayA.writeMiBps + overlayB.writeMiBps) / 2, readMiBps: (overlayA.readMiBps + overlayB.readMiBps) / 2 };
  report({
    bench: "volume-io",
    env: "chromium",
    writeMiBps: round(overlay.writeMiBps, 2),
    readMiBps: round(overlay.readMiBps, 2),
    inMemoryWriteMiBps: round(memory.writeMiBps, 2),
    inMemoryReadMiBps: round(memory.readMiBps, 2),
    writeRatio: round(overlay.writeMiBps / memory.writeMiBps, 3),
    readRatio: round(overlay.readMiBps / memory.readMiBps, 3),
  });

  page = await openBenchPage(browser);
  const count = 3;
  await page.evaluate((n) => window.tabcloudBench.storage.fleetBeforeReload(n), count);
  await reload(page);
  const back = await page.evaluate(() => window.tabcloudBench.storage.fleetAfterReload());
  report({ bench: "reload-restore", env: "chromium", instances: back.instances, msUntilAllBack: round(back.msUntilAllBack) });
  await page.close();
}
