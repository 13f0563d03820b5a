import { expect, test, type Page } from "@playwright/test";
import { launchAndWaitForPrompt, launchInstance, screenText, typeLine } from "./terminal.ts";

async function openView(page: Page, name: "Instances" | "Images (AMIs)"): Promise<void> {
  await page.getByRole("navigation", { name: "Console" }).getByRole("button", { name, exact: true }).click();
}

test("a second launch of an image starts from its boot snapshot: its own prompt, its own host name", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  const first = await launchAndWaitForPrompt(page);
  await expect(page.locator(`tbody tr[data-instance-id="${first}"]`).getByTestId("status-checks")).toHaveText("2/2 checks passed", {
    timeout: 60_000,
  });

  // The first launch booted; once it was up, the image's boot snapshot was made in the background.
  await openView(page, "Images (AMIs)");
  const card = page.locator("article[data-image-id]", { has: page.getByRole("heading", { name: /^tabcloud-linux-[\d.]+-i686$/ }) });
  await expect(card.getByTestId("boot-snapshot")).toHaveCount(1, { timeout: 90_000 });
  await openView(page, "Instances");

  const started = Date.now();
  await launchInstance(page);
  const second = await page.locator("tbody tr.selected[data-instance-id]").getAttribute("data-instance-id");
  expect(second).toMatch(/^i-[0-9a-f]{17}$/);
  expect(second).not.toBe(first);
  await expect.poll(() => screenText(page), { timeout: 30_000 }).toMatch(new RegExp(`root@${second}:~# *$`, "m"));
  // How long it took is the launch-golden benchmark's to measure; it is noted with the test.
  testInfo.annotations.push({ type: "launch to prompt (ms)", description: String(Date.now() - started) });
  await typeLine(page, "hostname");
  await expect.poll(() => screenText(page)).toMatch(new RegExp(`^${second}$`, "m"));
  await expect(page.locator(`tbody tr[data-instance-id="${second}"]`).getByTestId("status-checks")).toHaveText("2/2 checks passed", {
    timeout: 30_000,
  });
  expect(errors).toEqual([]);
});
