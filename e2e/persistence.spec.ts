import { expect, test, type Page } from "@playwright/test";
import { instanceState, launchAndWaitForPrompt, launchInstance, screenText, typeLine } from "./terminal.ts";

/** After a reload: the instance is listed again; select it to see its terminal. */
async function findAgain(page: Page, instanceId: string) {
  const row = page.locator(`tbody tr[data-instance-id="${instanceId}"]`);
  await expect(row).toBeVisible({ timeout: 30_000 });
  await row.click();
  return row;
}

test("a file written in the terminal is there after a reload; the instance says why it booted again", async ({ page }) => {
  await page.goto("./");
  const instanceId = await launchAndWaitForPrompt(page, { name: "survivor" });
  await typeLine(page, "echo written-before-reload > /root/note.txt && sync && echo synced");
  await expect.poll(() => screenText(page)).toMatch(/^synced$/m);
  // One flush interval, so the write has reached IndexedDB.
  await page.waitForTimeout(2500);

  await page.reload();
  const row = await findAgain(page, instanceId);
  await expect(row).toContainText("survivor");
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "running", { timeout: 60_000 });
  await expect(row.getByTestId("status-checks")).toHaveText("2/2 checks passed", { timeout: 60_000 });
  await typeLine(page, "clear; cat /root/note.txt");
  await expect.poll(() => screenText(page)).toMatch(/^written-before-reload$/m);
  await page.getByRole("tab", { name: "Details" }).click();
  await expect(page.getByText(/booted again from its root volume/).first()).toBeVisible();
});

test("reloading while the guest writes loses at most the flush interval, and the volume still mounts", async ({ page }) => {
  await page.goto("./");
  const instanceId = await launchAndWaitForPrompt(page);
  // Ten lines a second, each synced to the disk and then shown on the console: the newest number
  // on the screen when the page reloads is what the guest had written by then, and what is lost
  // is what the host had not yet stored.
  await typeLine(page, "i=0; while :; do i=$((i+1)); echo $i >> /root/count; sync; echo n=$i; sleep 0.1; done &");
  await page.waitForTimeout(6000);
  const shown = [...(await screenText(page)).matchAll(/^n=(\d+)$/gm)];
  await page.reload();
  const before = Number(shown.at(-1)?.[1]);
  expect(before).toBeGreaterThan(20);

  const row = await findAgain(page, instanceId);
  await expect(row.getByTestId("status-checks")).toHaveText("2/2 checks passed", { timeout: 60_000 });
  await typeLine(page, "clear; echo after=$(wc -l < /root/count) last=$(tail -n 1 /root/count)");
  await expect.poll(() => screenText(page)).toMatch(/^after=\d+ last=\d+$/m);
  const [, after, last] = /^after=(\d+) last=(\d+)$/m.exec(await screenText(page)) ?? [];
  test.info().annotations.push({ type: "lines", description: `${before} written when the page reloaded, ${after} after it` });
  // The flush interval is 2 s: at most 10 lines a second, so at most 20 lines may be missing.
  expect(Number(after)).toBeGreaterThanOrEqual(before - 20);
  // The file is whole: its lines count up to its last one.
  expect(Number(last)).toBe(Number(after));
});

test("hibernate, reload, start: the shell is where it was", async ({ page }) => {
  await page.goto("./");
  const instanceId = await launchAndWaitForPrompt(page, { hibernation: true });
  await typeLine(page, "MARK=kept-through-reload; sleep 3600 &");
  await instanceState(page, "Hibernate instance");
  const state = page.locator(`tbody tr[data-instance-id="${instanceId}"] [data-state]`);
  await expect(state).toHaveAttribute("data-state", "stopped", { timeout: 30_000 });

  await page.reload();
  const row = await findAgain(page, instanceId);
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "stopped");
  await instanceState(page, "Start instance");
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "running", { timeout: 30_000 });
  await typeLine(page, "clear; echo mark=$MARK; jobs");
  await expect.poll(() => screenText(page)).toMatch(/^mark=kept-through-reload$/m);
  await expect.poll(() => screenText(page)).toMatch(/Running\s+sleep 3600/);
});

test("after one launch online, the lab reloads and launches offline", async ({ page, context }) => {
  await page.goto("./");
  const first = await launchAndWaitForPrompt(page);
  await page.waitForFunction(async () => (await navigator.serviceWorker.ready) && navigator.serviceWorker.controller !== null, null, {
    timeout: 30_000,
  });
  await instanceState(page, "Terminate instance");
  await expect(page.locator(`tbody tr[data-instance-id="${first}"] [data-state]`)).toHaveAttribute("data-state", "terminated", {
    timeout: 30_000,
  });

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole("button", { name: "Launch instances", exact: true })).toBeEnabled({ timeout: 30_000 });
  await launchInstance(page, { name: "offline-box" });
  const row = page.locator("tbody tr", { hasText: "offline-box" });
  const instanceId = await row.getAttribute("data-instance-id");
  expect(instanceId).toMatch(/^i-[0-9a-f]{17}$/);
  await expect.poll(() => screenText(page), { timeout: 60_000 }).toMatch(new RegExp(`root@${instanceId}:~# *$`, "m"));
  await typeLine(page, "echo typed-while-offline");
  await expect.poll(() => screenText(page)).toMatch(/^typed-while-offline$/m);
  await context.setOffline(false);
});
