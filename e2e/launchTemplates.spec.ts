import { expect, test } from "@playwright/test";
import { openConsolePage, openLaunchDialog, screenText, typeLine } from "./terminal.ts";

test("create a launch template, launch from it, and the instance runs with the template's settings", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  await openConsolePage(page, "Launch templates");
  await expect(page.getByRole("heading", { name: /Launch templates/ })).toBeVisible();

  await page.getByRole("button", { name: "Create launch template", exact: true }).click();
  const create = page.getByRole("dialog", { name: "Create launch template" });
  await create.getByLabel("Launch template name").fill("web-server");
  await create.getByLabel("Template version description").fill("small web server");
  await create.getByLabel("Instance type").selectOption("t3.small");
  await create.getByLabel("Name tag of the instances").fill("from-template");
  await create.getByLabel("User data (runs once at first boot)").fill("#!/bin/sh\necho made-by-the-template > /root/template.txt\n");
  await create.getByRole("button", { name: "Create launch template", exact: true }).click();
  await expect(create).toBeHidden();
  await expect(page.getByTestId("launch-template-notice")).toContainText("web-server), version 1");
  const row = page.locator("tbody tr[data-launch-template-id]");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("web-server");
  const templateId = (await row.getAttribute("data-launch-template-id")) ?? "";
  await expect(page.getByTestId("launch-template-versions").locator("tbody tr")).toContainText(["t3.small"]);

  await openConsolePage(page, "Instances");
  const launch = await openLaunchDialog(page);
  await launch.getByTestId("launch-template-select").selectOption(templateId);
  await expect(launch.getByTestId("launch-template-summary")).toContainText("t3.small");
  await launch.getByRole("button", { name: "Launch instance", exact: true }).click();
  await expect(launch).toBeHidden({ timeout: 60_000 });

  const instance = page.locator("tbody tr[data-instance-id]").first();
  const instanceId = await instance.getAttribute("data-instance-id");
  await expect(instance).toContainText("from-template");
  await expect(instance).toContainText("t3.small");
  await expect.poll(() => screenText(page), { timeout: 60_000 }).toMatch(new RegExp(`root@${instanceId}:~# *$`, "m"));
  // The template's user data ran at the first boot (its output is on the console); the guest has t3.small's memory.
  await expect.poll(() => screenText(page), { timeout: 60_000 }).toMatch(/user-data: finished with exit code 0/);
  await typeLine(page, "cat /root/template.txt");
  await expect.poll(() => screenText(page), { timeout: 30_000 }).toMatch(/^made-by-the-template$/m);
  await typeLine(page, "grep MemTotal /proc/meminfo");
  await expect.poll(() => screenText(page), { timeout: 30_000 }).toMatch(/^MemTotal:\s+\d+ kB$/m);
  const memTotalKib = Number(/^MemTotal:\s+(\d+) kB$/m.exec(await screenText(page))?.[1]);
  expect(memTotalKib).toBeGreaterThan(200 * 1024);
  expect(errors).toEqual([]);
});
