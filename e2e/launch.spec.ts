import { expect, test, type Page } from "@playwright/test";

/** The terminal's screen as text (xterm.js draws rows into the DOM). */
async function screenText(page: Page): Promise<string> {
  return page.locator('[data-testid="terminal"] .xterm-rows').innerText();
}

test("launch an instance, type into its terminal, terminate it", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  await expect(page.getByRole("heading", { name: /Instances/ })).toBeVisible();

  await page.getByRole("button", { name: "Launch instance" }).click();
  const row = page.locator("tbody tr[data-instance-id]").first();
  const instanceId = await row.getAttribute("data-instance-id");
  expect(instanceId).toMatch(/^i-[0-9a-f]{17}$/);

  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "running");
  await expect.poll(() => screenText(page), { timeout: 60_000 }).toMatch(new RegExp(`root@${instanceId}:~#`));
  await expect(row.getByTestId("status-checks")).toHaveText("2/2 checks passed");

  await page.locator('[data-testid="terminal"]').click();
  await page.keyboard.type("echo tabcloud-$((40+2))\n");
  await expect.poll(() => screenText(page)).toMatch(/^tabcloud-42$/m);

  await page.getByRole("button", { name: "Terminate instance" }).click();
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "terminated");
  expect(errors).toEqual([]);
});
