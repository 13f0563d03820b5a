import { expect, test } from "@playwright/test";
import { instanceFootprintMib } from "../src/hypervisor/index.ts";
import { launchAndWaitForPrompt, openLaunchDialog } from "./terminal.ts";

const MICRO_MIB = instanceFootprintMib(128);

test("the bill grows while running, the dashboard shows the host, and a launch past the memory budget is refused", async ({ page }) => {
  await page.goto("./");
  const instanceId = await launchAndWaitForPrompt(page);
  const row = page.locator(`tbody tr[data-instance-id="${instanceId}"]`);
  // 60 seconds of t3.micro are billed from the start: $0.000173, written to four decimals.
  await expect(row.getByTestId("cost")).toHaveText(/^\$0\.000[2-9]$/);

  await page.getByRole("tab", { name: "Monitoring" }).click();
  await expect(page.getByRole("img", { name: /^CPU utilization: \d/ })).toBeVisible({ timeout: 10_000 });

  await page.getByRole("button", { name: "Dashboard" }).click();
  await expect(page.getByText(`${MICRO_MIB} MiB`, { exact: true }).first()).toBeVisible();
  await page.getByLabel("Memory budget (MiB)").fill(String(MICRO_MIB + 100));
  // Wait a sample or two first: the budget being typed must not be reset by the live figures.
  await page.waitForTimeout(2500);
  await expect(page.getByLabel("Memory budget (MiB)")).toHaveValue(String(MICRO_MIB + 100));
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText(`of ${MICRO_MIB + 100} MiB`)).toBeVisible();

  await page.getByRole("button", { name: "Instances" }).click();
  // The refusal shows in the launch dialog, which stays open so another type can be chosen.
  const dialog = await openLaunchDialog(page);
  await dialog.getByRole("button", { name: "Launch instance", exact: true }).click();
  await expect(dialog.getByRole("alert")).toContainText("InsufficientInstanceCapacity");
  await expect(dialog.getByRole("alert")).toContainText(`${MICRO_MIB} of ${MICRO_MIB + 100} MiB are in use`);
  await expect(page.locator("tbody tr[data-instance-id]")).toHaveCount(1);
});

test("the Dashboard shows the instance quota with its use, and a raise holds across a reload", async ({ page }) => {
  await page.goto("./");
  await page.getByRole("button", { name: "Dashboard" }).click();
  const quota = page.getByTestId("instance-quota");
  await expect(quota).toHaveText(/^0 of \d+ instances$/);
  const value = Number((await quota.textContent())?.match(/of (\d+)/)?.[1]);
  expect(value).toBeGreaterThanOrEqual(1);

  // A value that does not raise it is not sent: the field says why, and nothing changes.
  await page.getByLabel("Raise to").fill(String(value));
  await page.getByRole("button", { name: "Request increase" }).click();
  expect(await page.getByLabel("Raise to").evaluate((input: HTMLInputElement) => input.validity.rangeUnderflow)).toBe(true);
  await expect(quota).toHaveText(`0 of ${value} instances`);

  await page.getByLabel("Raise to").fill(String(value + 3));
  await page.getByRole("button", { name: "Request increase" }).click();
  await expect(quota).toHaveText(`0 of ${value + 3} instances`);
  await page.reload();
  await page.getByRole("button", { name: "Dashboard" }).click();
  await expect(page.getByTestId("instance-quota")).toHaveText(`0 of ${value + 3} instances`);
});
