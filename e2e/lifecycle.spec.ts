import { expect, test } from "@playwright/test";
import { instanceState, launchAndWaitForPrompt, screenText, typeLine } from "./terminal.ts";

test("stop keeps the root volume, the type changes only while stopped, start boots the new size", async ({ page }) => {
  await page.goto("./");
  const instanceId = await launchAndWaitForPrompt(page, { name: "lab-box" });
  const row = page.locator(`tbody tr[data-instance-id="${instanceId}"]`);
  await expect(row).toContainText("lab-box");
  const state = row.locator("[data-state]");

  await typeLine(page, "echo survives-stop > /root/kept.txt && sync");
  // While running, the type cannot change, and the page says why.
  await expect(page.getByRole("button", { name: "Change instance type" })).toBeDisabled();
  await expect(page.getByTestId("change-type-reason")).toContainText("only while it is stopped");

  await instanceState(page, "Stop instance");
  await expect(state).toHaveAttribute("data-state", "stopping");
  await expect(state).toHaveAttribute("data-state", "stopped", { timeout: 30_000 });

  await page.getByRole("button", { name: "Change instance type" }).click();
  await page.getByRole("dialog").getByRole("combobox").selectOption("t3.small");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(row).toContainText("t3.small");

  await instanceState(page, "Start instance");
  await expect(state).toHaveAttribute("data-state", "running");
  await expect(row.getByTestId("status-checks")).toHaveText("2/2 checks passed", { timeout: 60_000 });
  await typeLine(page, "clear; cat /root/kept.txt; free -m | awk '/Mem:/ {print \"mem=\" $2}'");
  await expect.poll(() => screenText(page)).toMatch(/^survives-stop$/m);
  // The memory line follows the file's a moment later: wait for it too.
  await expect.poll(async () => Number(/^mem=(\d+)$/m.exec(await screenText(page))?.[1] ?? 0)).toBeGreaterThan(200);

  await instanceState(page, "Terminate instance");
  await expect(state).toHaveAttribute("data-state", "terminated");
});

test("actions that the state does not allow are disabled, with the reason", async ({ page }) => {
  await page.goto("./");
  await launchAndWaitForPrompt(page);
  await page.getByRole("button", { name: "Instance state" }).click();
  const start = page.getByRole("menuitem", { name: /Start instance/ });
  await expect(start).toHaveAttribute("aria-disabled", "true");
  await expect(start).toContainText("already running");
  // Launched without hibernation, as EC2's default: the console says how to get it.
  const hibernate = page.getByRole("menuitem", { name: /Hibernate instance/ });
  await expect(hibernate).toHaveAttribute("aria-disabled", "true");
  await expect(hibernate).toContainText("hibernation must be enabled at launch");
  await page.keyboard.press("Escape");
});

test("force stop stops a running instance at once, from the Instance state menu", async ({ page }) => {
  await page.goto("./");
  const instanceId = await launchAndWaitForPrompt(page);
  const state = page.locator(`tbody tr[data-instance-id="${instanceId}"] [data-state]`);
  await instanceState(page, "Force stop instance");
  await expect(state).toHaveAttribute("data-state", "stopped");
  await page.getByRole("button", { name: "Instance state" }).click();
  await expect(page.getByRole("menuitem", { name: /Force stop instance/ })).toContainText("already stopped");
  await page.keyboard.press("Escape");
});

test("hibernate and resume: the shell is where it was", async ({ page }) => {
  await page.goto("./");
  const instanceId = await launchAndWaitForPrompt(page, { hibernation: true });
  const state = page.locator(`tbody tr[data-instance-id="${instanceId}"] [data-state]`);
  await typeLine(page, "MARK=before-hibernate; sleep 3600 &");

  await instanceState(page, "Hibernate instance");
  await expect(state).toHaveAttribute("data-state", "stopped", { timeout: 30_000 });
  await page.getByRole("tab", { name: "Details" }).click();
  await expect(page.getByText("Client.UserInitiatedHibernate")).toBeVisible();
  await page.getByRole("tab", { name: "Terminal" }).click();

  await instanceState(page, "Start instance");
  await expect(state).toHaveAttribute("data-state", "running");
  await typeLine(page, "clear; echo mark=$MARK; jobs");
  await expect.poll(() => screenText(page)).toMatch(/^mark=before-hibernate$/m);
  await expect.poll(() => screenText(page)).toMatch(/Running\s+sleep 3600/);
});
