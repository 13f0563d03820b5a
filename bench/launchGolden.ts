/**
 * launch-golden: launch to prompt from the image's golden state in Chromium, the image and the
 * golden state already in the browser; median of several launches, with a warm spare worker
 * and without one (each launch then starts its worker).
 */
import type { Browser, Page } from "@playwright/test";
import { median, report, round } from "./stats.ts";

export async function benchLaunchGolden(browser: Browser, benchPage: (browser: Browser) => Promise<Page>, launches: number): Promise<void> {
  for (const spareWorker of [true, false]) {
    const page = await benchPage(browser);
    const figures = await page.evaluate((options) => window.tabcloudBench.launch(options), { spareWorker, launches });
    await page.close();
    report({
      bench: "launch-golden",
      env: "chromium",
      launchToPromptMs: round(median(figures.launchToPromptMs)),
      coldWorker: !spareWorker,
      launches: figures.launchToPromptMs.map((ms) => round(ms)),
      launchToRunningMs: round(median(figures.launchToRunningMs)),
      fromGoldenState: figures.fromGoldenState,
      coldBootToPromptMs: round(figures.coldBootToPromptMs),
    });
  }
}
