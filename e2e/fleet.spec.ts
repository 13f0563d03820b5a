/**
 * Sixteen instances at once, launched from the console in one request: the default memory budget
 * and instance quota hold them, every one passes its status checks, and the terminal of one
 * echoes what is typed while the others idle.
 */
import { expect, test } from "@playwright/test";
import { openLaunchDialog, screenText, typeLine } from "./terminal.ts";

const INSTANCES = 16;

test("sixteen t3.nano instances launched at once all pass their checks, and one's terminal answers while the rest idle", async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto("./");
  const dialog = await openLaunchDialog(page);
  await dialog.getByLabel("Instance type").selectOption("t3.nano");
  await dialog.getByLabel("Number of instances").fill(String(INSTANCES));
  await dialog.getByRole("button", { name: "Launch instance", exact: true }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  await expect(page.locator("tbody tr[data-instance-id]")).toHaveCount(INSTANCES);
  await expect(page.getByText("2/2 checks passed")).toHaveCount(INSTANCES, { timeout: 200_000 });

  // The terminal on show is the first row's instance.
  const instanceId = await page.locator("tbody tr[data-instance-id]").first().getAttribute("data-instance-id");
  await expect.poll(() => screenText(page), { timeout: 30_000 }).toMatch(new RegExp(`root@${instanceId}:~# *$`, "m"));
  await typeLine(page, "echo fleet-$((6 * 7)) of $(hostname)");
  await expect.poll(() => screenText(page), { timeout: 30_000 }).toContain(`fleet-42 of ${instanceId}`);

  await page.getByRole("button", { name: "Dashboard" }).click();
  await expect(page.getByTestId("instance-quota")).toHaveText(new RegExp(`^${INSTANCES} of \\d+ instances$`));
});
