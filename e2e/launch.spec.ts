import { expect, test } from "@playwright/test";
import { serveCorruptKernel } from "./corruptKernel.ts";
import { instanceState, launchAndWaitForPrompt, launchInstance, screenText, typeLine } from "./terminal.ts";

test("launch an instance, type into its terminal, terminate it", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  await expect(page.getByRole("heading", { name: /Instances/ })).toBeVisible();

  const instanceId = await launchAndWaitForPrompt(page);
  const row = page.locator(`tbody tr[data-instance-id="${instanceId}"]`);
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "running");
  await expect(row.getByTestId("status-checks")).toHaveText("2/2 checks passed");

  await typeLine(page, "echo tabcloud-$((40+2))");
  await expect.poll(() => screenText(page)).toMatch(/^tabcloud-42$/m);

  await instanceState(page, "Terminate instance");
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "terminated");
  await expect(page.getByText("The instance is terminated; its console is read-only.")).toBeVisible();
  expect(errors).toEqual([]);
});

test("the terminal fits its panel and the guest follows when the window is resized", async ({ page }) => {
  await page.goto("./");
  await launchAndWaitForPrompt(page);
  await typeLine(page, "stty size");
  const size = async () => {
    const match = /^(\d+) (\d+)$/m.exec(await screenText(page));
    return match ? `${match[1]} ${match[2]}` : null;
  };
  await expect.poll(size).not.toBeNull();
  const wide = await size();

  await page.setViewportSize({ width: 900, height: 640 });
  // The new size reaches the guest a moment after the window changes: ask until it has.
  let narrow: string | null = null;
  await expect(async () => {
    await typeLine(page, "clear; stty size");
    await expect
      .poll(
        async () => {
          narrow = await size();
          return narrow !== null && narrow !== wide;
        },
        { timeout: 2_000 },
      )
      .toBe(true);
  }).toPass({ timeout: 20_000 });
  const [rows, cols] = (narrow ?? "0 0").split(" ").map(Number) as [number, number];
  const [wideRows, wideCols] = (wide ?? "0 0").split(" ").map(Number) as [number, number];
  expect(cols).toBeLessThan(wideCols);
  expect(rows).toBeLessThan(wideRows);
  // What the guest believes is what the screen shows.
  expect(await page.locator('[data-testid="terminal"] .xterm-rows > div').count()).toBe(rows);
});

test("copy from and paste into the terminal", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto("./");
  await launchAndWaitForPrompt(page);

  await page.evaluate(() => navigator.clipboard.writeText("echo pasted-$((1+1))"));
  await page.locator('[data-testid="terminal"]').click();
  await page.keyboard.press("Control+Shift+V");
  await page.keyboard.press("Enter");
  await expect.poll(() => screenText(page)).toMatch(/^pasted-2$/m);

  // Triple-click selects the line under the pointer (the first line holds the prompt's output); copy it.
  const firstPrompt = page.locator('[data-testid="terminal"] .xterm-rows > div', { hasText: /root@i-/ }).first();
  const box = await firstPrompt.boundingBox();
  if (!box) throw new Error("the prompt's row is not on screen");
  await page.mouse.click(box.x + 20, box.y + box.height / 2, { clickCount: 3 });
  await page.keyboard.press("Control+Shift+C");
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(/root@i-[0-9a-f]{17}/);
});

test("Tab completes in the shell; Shift+Tab takes the keyboard out of the terminal", async ({ page }) => {
  await page.goto("./");
  await launchAndWaitForPrompt(page);
  await typeLine(page, "clear");
  await page.keyboard.type("ech");
  await page.keyboard.press("Tab");
  await page.keyboard.type(" completed\n");
  await expect.poll(() => screenText(page)).toMatch(/^completed$/m);
  const inTerminal = () =>
    page.evaluate(() => document.querySelector('[data-testid="terminal"]')?.contains(document.activeElement) ?? false);
  expect(await inTerminal()).toBe(true);
  await page.keyboard.press("Shift+Tab");
  expect(await inTerminal()).toBe(false);
});

test("an image file that fails its SHA-256 check stops the launch with a reason naming the file", async ({ page }) => {
  await serveCorruptKernel(page, 2048);
  await page.goto("./");
  await launchInstance(page);
  const row = page.locator("tbody tr[data-instance-id]").first();
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "terminated");
  await expect(row.getByRole("alert")).toContainText("bzImage.gz does not match its manifest");
});
