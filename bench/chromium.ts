/**
 * Benchmarks in Debian's Chromium against the built app (vite preview): boot to prompt in a
 * worker, emulator speed in a worker against the page, and the terminal's key-to-echo time.
 */
import { chromium, type Browser, type Page } from "@playwright/test";
import { chromiumArgs } from "../e2e/playwright.config.ts";
import { startPreviewServer } from "../e2e/previewServer.ts";
import { launchInstance } from "../e2e/terminal.ts";
import type { RunFigures, WorkerRunFigures } from "../src/bench/benchPage.ts";
import { median, percentile, report, round } from "./stats.ts";
import { reportBootPhases } from "./bootPhases.ts";
import { benchStorage } from "./storage.ts";
import { benchNetHttp } from "./netHttp.ts";
import { terminalEchoTimes } from "./terminalEcho.ts";
import { benchFleet } from "./fleet.ts";
import { benchDebianBoot } from "./debian.ts";
import { benchLaunchGolden } from "./launchGolden.ts";
import { benchMemoryOverheadChromium, MEMORY_BENCH_CHROMIUM_ARGS } from "./memoryOverhead.ts";

const PORT = 4174;
const BASE = `http://127.0.0.1:${PORT}/`;

async function benchPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${BASE}bench.html`);
  await page.waitForFunction(() => "tabcloudBench" in window);
  return page;
}

/**
 * Boots and the same guest workload in a worker, on the page driven by the same main loop as in
 * the worker, and on the page driven by v86's own loop (as any page embedding v86 runs it).
 */
async function bootAndCpu(browser: Browser, runs: number): Promise<void> {
  const worker: WorkerRunFigures[] = [];
  const onPage: RunFigures[] = [];
  const onPageV86Loop: RunFigures[] = [];
  const inFreshPage = async <T>(run: (page: Page) => Promise<T>): Promise<T> => {
    const page = await benchPage(browser);
    try {
      return await run(page);
    } finally {
      await page.close();
    }
  };
  // Alternate, each in a fresh page, so no side gets a warmer machine.
  for (let run = 0; run < runs; run++) {
    worker.push(await inFreshPage((page) => page.evaluate(() => window.tabcloudBench.inWorker())));
    onPage.push(await inFreshPage((page) => page.evaluate(() => window.tabcloudBench.onPage(true))));
    onPageV86Loop.push(await inFreshPage((page) => page.evaluate(() => window.tabcloudBench.onPage(false))));
  }
  const mips = (figures: RunFigures[]) => median(figures.map((f) => f.workloadInstructions / f.workloadMs / 1000));
  report({
    bench: "boot",
    env: "chromium",
    runs,
    bootToPromptMs: round(median(worker.map((f) => f.bootToPromptMs))),
    instructions: Math.round(median(worker.map((f) => f.instructions))),
    pageBootToPromptMs: round(median(onPageV86Loop.map((f) => f.bootToPromptMs))),
    firstLaunchToPromptMs: round(median(worker.map((f) => f.firstLaunchToPromptMs))),
  });
  reportBootPhases(
    "chromium",
    worker.map((f) => f.phases),
  );
  const workerMs = median(worker.map((f) => f.workloadMs));
  const pageMs = median(onPage.map((f) => f.workloadMs));
  const pageV86LoopMs = median(onPageV86Loop.map((f) => f.workloadMs));
  report({
    bench: "cpu-worker-vs-page",
    runs,
    workerWorkloadMs: round(workerMs),
    pageWorkloadMs: round(pageMs),
    workerMips: round(mips(worker)),
    pageMips: round(mips(onPage)),
    // Speed is the inverse of time for the same guest work.
    ratio: round(pageMs / workerMs, 3),
    pageV86LoopWorkloadMs: round(pageV86LoopMs),
    pageV86LoopMips: round(mips(onPageV86Loop)),
    v86LoopRatio: round(pageV86LoopMs / workerMs, 3),
  });
}

/** Key pressed on the page to its echo drawn by xterm.js, through worker, guest and back. */
async function terminalRoundTrip(browser: Browser, samples: number): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(BASE);
  await launchInstance(page);
  await page.waitForFunction(
    () =>
      /root@i-[0-9a-f]{17}:~# /.test(
        document.querySelector('[data-testid="terminal"] .xterm-rows')?.textContent?.replace(/\u00a0/g, " ") ?? "",
      ),
    null,
    { timeout: 60_000 },
  );
  const results = await terminalEchoTimes(page, samples);
  report({ bench: "terminal-rtt", samples: results.length, medianMs: round(median(results), 2), p95Ms: round(percentile(results, 95), 2) });
  await page.close();
}

/**
 * Four busy instances together against one alone: does the host's throughput hold up? One round
 * says little on a shared machine, so each round is a fresh page and the figure is their median.
 */
async function cpuAggregate(browser: Browser, rounds: number): Promise<void> {
  const results = [];
  for (let i = 0; i < rounds; i++) {
    const page = await benchPage(browser);
    results.push(await page.evaluate(() => window.tabcloudBench.aggregate(4, 8000)));
    await page.close();
  }
  report({
    bench: "cpu-aggregate",
    env: "chromium",
    instances: 4,
    rounds: results.map((result) => ({
      oneMips: round(result.oneMips),
      fourMips: round(result.manyMips),
      ratio: round(result.ratio, 3),
    })),
    median: round(median(results.map((result) => result.ratio)), 3),
  });
}

export async function benchChromium(options: {
  runs: number;
  rttSamples: number;
  only?: "boot" | "storage" | "aggregate" | "net-http" | "fleet" | "launch" | "memory" | "debian";
}): Promise<void> {
  const server = await startPreviewServer(PORT);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    // The memory benchmark's flags change nothing the others measure.
    args: [...chromiumArgs, ...MEMORY_BENCH_CHROMIUM_ARGS],
    headless: true,
  });
  try {
    if (options.only === undefined || options.only === "boot") await bootAndCpu(browser, options.runs);
    if (options.only === undefined) await terminalRoundTrip(browser, options.rttSamples);
    if (options.only === undefined || options.only === "aggregate") await cpuAggregate(browser, Math.max(3, options.runs));
    if (options.only === undefined || options.only === "storage") await benchStorage(browser, benchPage);
    if (options.only === undefined || options.only === "net-http") await benchNetHttp(browser, BASE, 30);
    if (options.only === undefined || options.only === "launch") await benchLaunchGolden(browser, benchPage, 5);
    if (options.only === undefined || options.only === "memory") await benchMemoryOverheadChromium(browser, benchPage);
    if (options.only === undefined || options.only === "fleet") await benchFleet(browser, BASE);
    if (options.only === undefined || options.only === "debian") await benchDebianBoot(browser, BASE, options.runs);
  } finally {
    await browser.close();
    await server.stop();
  }
}
