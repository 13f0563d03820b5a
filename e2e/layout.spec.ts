import { expect, test, type Locator, type Page } from "@playwright/test";
import { launchAndWaitForPrompt } from "./terminal.ts";

const VIEWPORT = { width: 900, height: 600 };
test.use({ viewport: VIEWPORT });

/** Whether the element's whole box lies inside the window. */
async function insideWindow(locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  if (!box) return false;
  return box.x >= 0 && box.y >= 0 && box.x + box.width <= VIEWPORT.width && box.y + box.height <= VIEWPORT.height;
}

function terminalRows(page: Page): Locator {
  return page.locator('[data-testid="terminal"] .xterm-rows > div');
}

test("on a 900×600 window the selected instance's row and a terminal of at least 20 rows are both in view", async ({ page }) => {
  await page.goto("./");
  const instanceId = await launchAndWaitForPrompt(page);
  const row = page.locator(`tbody tr[data-instance-id="${instanceId}"]`);
  await row.click();
  await expect(row).toHaveAttribute("aria-selected", "true");

  await expect(row).toBeInViewport({ ratio: 1 });
  expect(await insideWindow(row)).toBe(true);
  await expect(page.getByTestId("terminal")).toBeVisible();
  expect(await terminalRows(page).count()).toBeGreaterThanOrEqual(20);
  // Every row the terminal has is on screen, the last one included.
  await expect(terminalRows(page).last()).toBeInViewport({ ratio: 1 });
  expect(await insideWindow(terminalRows(page).last())).toBe(true);
});
