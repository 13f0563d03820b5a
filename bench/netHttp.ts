/** The browser fetching a guest's 10 KB web page through its public address, in Chromium (src/bench/netBench.ts). */
import type { Browser } from "@playwright/test";
import { median, percentile, report, round } from "./stats.ts";

const TARGET_MS = 100;

export async function benchNetHttp(browser: Browser, baseUrl: string, requests: number): Promise<void> {
  // A context of its own: the service worker this page registers controls no other benchmark's page.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}bench.html`);
    await page.waitForFunction(() => "tabcloudBench" in window);
    const figures = await page.evaluate((n) => window.tabcloudBench.net.netHttp(n), requests);
    const msPerRequest = median(figures.requestMs);
    report({
      bench: "net-http",
      env: "chromium",
      path: figures.path,
      bytes: 10 * 1024,
      requests: figures.requestMs.length,
      msPerRequest: round(msPerRequest),
      p95Ms: round(percentile(figures.requestMs, 95)),
      targetMs: TARGET_MS,
      met: msPerRequest <= TARGET_MS,
    });
  } finally {
    await context.close();
  }
}
