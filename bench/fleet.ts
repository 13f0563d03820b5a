/**
 * Sixteen t3.nano instances launched from the console in one request, in Chromium: once all pass
 * their status checks and idle, what the browser costs the host (all of Chromium's processes, in
 * percent of one core), beside what the same console cost before the launch, and so what each
 * idle instance adds; how smooth the page's frames are; and the echo of a key in one of the
 * terminals while the others idle.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Browser, Page } from "@playwright/test";
import { expect } from "@playwright/test";
import { openConsolePage, openLaunchDialog } from "../e2e/terminal.ts";
import { median, percentile, report, round } from "./stats.ts";
import { terminalEchoTimes } from "./terminalEcho.ts";

const INSTANCES = 16;
const SETTLE_MS = 10_000;
/**
 * How long the fleet is left alone before its idle cost is read. Each guest's JIT turns on as
 * its boot ends, and for a while Chromium still optimises the code the guests compiled in their
 * first seconds up (the agent, the shells): measured per thread, that work is over about 30 s
 * after the last instance is ready, and what remains is what an idle fleet costs for as long as
 * it runs.
 */
const IDLE_SETTLE_MS = 30_000;
const READY_DEADLINE_MS = 300_000;
const SNAPSHOT_DEADLINE_MS = 120_000;
/** A t3.nano guest's memory: its boot snapshot is listed for it. */
const NANO_MEMORY_MIB = 64;
const WINDOW_MS = 10_000;
const ECHO_SAMPLES = 30;
/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU time of every Chromium process so far, in ms (Linux: /proc). */
function chromiumCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("chromium")) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended while being read.
    }
  }
  return (ticks / TICKS_PER_S) * 1000;
}

/**
 * Intervals between the page's animation frames over `ms`. Given as source: the bench runs under
 * tsx, whose compiled functions call a naming helper the page does not have.
 */
function frameIntervals(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(`new Promise((resolve) => {
    const intervals = [];
    const start = performance.now();
    let last = start;
    const onFrame = (now) => {
      intervals.push(now - last);
      last = now;
      if (now - start < ${ms}) requestAnimationFrame(onFrame);
      else resolve(intervals);
    };
    requestAnimationFrame(onFrame);
  })`);
}

/**
 * Chromium's CPU use over a window with the page left alone, in percent of one core. Frames are
 * timed in a window of their own: asking for every frame makes the page draw sixty a second,
 * which an idle console does not.
 */
async function hostCpuPct(page: Page): Promise<number> {
  const cpuBefore = chromiumCpuMs();
  const wallStart = performance.now();
  await page.waitForTimeout(WINDOW_MS);
  return ((chromiumCpuMs() - cpuBefore) / (performance.now() - wallStart)) * 100;
}

export async function benchFleet(browser: Browser, base: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(base);
    await page.waitForTimeout(SETTLE_MS);
    const baselineHostCpuPct = await hostCpuPct(page);
    const dialog = await openLaunchDialog(page);
    await dialog.getByLabel("Instance type").selectOption("t3.nano");
    await dialog.getByLabel("Number of instances").fill(String(INSTANCES));
    const launchStart = performance.now();
    await dialog.getByRole("button", { name: "Launch instance", exact: true }).click();
    await expect(dialog).toBeHidden({ timeout: 60_000 });
    await expect(page.locator("tbody tr[data-instance-id]")).toHaveCount(INSTANCES);
    // Sixteen cold boots share the CPU budget: a deadline, and the figures say how many made it.
    const passed = page.getByText("2/2 checks passed");
    const allReady = await expect(passed)
      .toHaveCount(INSTANCES, { timeout: READY_DEADLINE_MS })
      .then(
        () => true,
        () => false,
      );
    const allReadyMs = allReady ? performance.now() - launchStart : null;
    const readyInstances = await passed.count();
    const statusChecks = await page
      .locator("tbody tr[data-instance-id]")
      .evaluateAll((rows) => rows.map((row) => row.querySelector("td:nth-child(5)")?.textContent?.trim() ?? ""));
    // The image's first launch also makes its boot snapshot in the background (one more boot, its
    // state saved and compressed): the fleet is idle once that is done, as the Images page shows.
    await openConsolePage(page, "Images (AMIs)");
    const bootSnapshotMade = await expect(page.locator(`[data-testid="boot-snapshot"][data-memory-mib="${NANO_MEMORY_MIB}"]`).first())
      .toBeVisible({ timeout: SNAPSHOT_DEADLINE_MS })
      .then(
        () => true,
        () => false,
      );
    const bootSnapshotMs = performance.now() - launchStart;
    await openConsolePage(page, "Instances");
    await page.waitForTimeout(IDLE_SETTLE_MS);

    const idleHostCpuPct = await hostCpuPct(page);
    const intervals = await frameIntervals(page, WINDOW_MS);

    // The terminal on show is the first instance's: its prompt first, then keys.
    await expect(page.locator('[data-testid="terminal"] .xterm-rows')).toContainText(/root@i-[0-9a-f]{17}:~#/, { timeout: 30_000 });
    const echoes = await terminalEchoTimes(page, ECHO_SAMPLES);
    report({
      bench: "fleet",
      env: "chromium",
      instances: INSTANCES,
      instanceType: "t3.nano",
      readyInstances,
      allReadyMs: allReadyMs === null ? null : round(allReadyMs),
      ...(allReady ? {} : { statusChecks }),
      bootSnapshotMs: bootSnapshotMade ? round(bootSnapshotMs) : null,
      idleSettleMs: IDLE_SETTLE_MS,
      baselineHostCpuPct: round(baselineHostCpuPct, 2),
      idleHostCpuPct: round(idleHostCpuPct, 2),
      perInstanceIdleCpuPct: round((idleHostCpuPct - baselineHostCpuPct) / INSTANCES, 2),
      frameP95Ms: round(percentile(intervals, 95), 1),
      frameMaxMs: round(Math.max(...intervals), 1),
      echoMedianMs: round(median(echoes), 1),
      echoP95Ms: round(percentile(echoes, 95), 1),
    });
  } finally {
    await page.close();
  }
}
