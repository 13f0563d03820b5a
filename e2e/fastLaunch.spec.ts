import { expect, test, type Page } from "@playwright/test";
import { openConsolePage } from "./terminal.ts";

/** The card of the default image, tabcloud Linux with an EBS root (the catalog also has an instance-store variant of it). */
function imageCard(page: Page) {
  return page.locator("article[data-image-id]", { has: page.getByRole("heading", { name: /^tabcloud-linux-[\d.]+-i686$/ }) });
}

test("fast launch of an image: turned off, on (its boot snapshot is made and listed with its size) and off again", async ({ page }) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  await openConsolePage(page, "Images (AMIs)");
  await expect(page.getByText("Fast launch keeps a snapshot of a fresh boot")).toBeVisible();
  const card = imageCard(page);
  const state = card.getByTestId("fast-launch-state");
  const snapshots = card.getByTestId("boot-snapshot");

  // A catalog image's fast launch is on from the start; its boot snapshot needs its files here.
  await expect(state).toHaveText("On");
  await expect(card.getByText("None yet: the next launch makes one")).toBeVisible();
  await expect(card.getByRole("button", { name: "Make one for t3.micro" })).toHaveCount(0);
  await card.getByTestId("image-download").click();
  await expect(card.getByTestId("image-offline")).toHaveAttribute("data-offline", "true");
  await expect(card.getByRole("button", { name: "Make one for t3.micro" })).toBeVisible();

  await card.getByRole("button", { name: "Disable fast launch" }).click();
  await expect(state).toHaveText("Off");
  await expect(state).toHaveAttribute("data-state", "disabled");
  await expect(card.getByText("Boot snapshots")).toHaveCount(0);

  // Enabling boots the image once in the background: busy while it runs, then its snapshot is listed.
  await card.getByRole("button", { name: "Enable fast launch" }).click();
  await expect(state).toHaveText("Making boot snapshot…");
  await expect(card.getByRole("button", { name: "Disable fast launch" })).toBeDisabled();
  // A boot, a settle and a save: some 20 s here, longer than a launch's boot when the machine is loaded.
  await expect(state).toHaveText("On", { timeout: 90_000 });
  await expect(card.getByTestId("fast-launch-error")).toHaveCount(0);
  await expect(snapshots).toHaveCount(1);
  await expect(snapshots).toHaveText(/^128 MiB \(t3\.micro\): \d+(\.\d)? (KiB|MiB)$/);
  expect(Number(await snapshots.getAttribute("data-size-bytes"))).toBeGreaterThan(0);
  await expect(page.getByRole("status").filter({ hasText: "Fast launch of" })).toContainText("is on");
  await expect(card.getByRole("button", { name: "Enable fast launch" })).toHaveCount(0);
  await expect(card.getByRole("button", { name: "Make one for t3.micro" })).toHaveCount(0);

  // It is kept across a reload.
  await page.reload();
  await openConsolePage(page, "Images (AMIs)");
  await expect(state).toHaveText("On");
  await expect(snapshots).toHaveCount(1);

  // Disabling deletes it, and says how much that freed.
  const shownSize = /: (.+)$/.exec((await snapshots.textContent())?.trim() ?? "")?.[1];
  expect(shownSize).toBeTruthy();
  await card.getByRole("button", { name: "Disable fast launch" }).click();
  await expect(state).toHaveText("Off");
  await expect(snapshots).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: "Fast launch of" })).toContainText(
    `boot snapshots were deleted, ${shownSize ?? ""} freed`,
  );
  await page.reload();
  await openConsolePage(page, "Images (AMIs)");
  await expect(state).toHaveText("Off");
  await expect(snapshots).toHaveCount(0);
  expect(errors).toEqual([]);
});
