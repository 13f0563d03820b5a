import { expect, test } from "@playwright/test";
import { launchAndWaitForPrompt, openConsolePage, screenText, typeLine } from "./terminal.ts";

const DEBIAN = "debian-12-i386-tabcloud";

test("Debian made available offline launches with the network off, and apt installs tree from the offline archive", async ({
  context,
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto("./");
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await openConsolePage(page, "Images (AMIs)");
  const card = page.locator("article.card", { has: page.getByRole("heading", { name: DEBIAN, exact: true }) });
  await expect(card.getByTestId("image-os")).toHaveText("Debian 12");
  await expect(card.getByTestId("image-boot-mode")).toContainText("EBS root");
  await expect(card.getByTestId("image-software")).toContainText("apt 2.6");
  await expect(page.getByTestId("no-windows")).toContainText("no freely licensed Windows");
  await card.getByRole("button", { name: "Make available offline" }).click();
  await expect(card.getByTestId("image-offline")).toHaveAttribute("data-offline", "true", { timeout: 180_000 });
  await expect(card.getByTestId("image-progress")).toHaveCount(0, { timeout: 120_000 });

  await context.setOffline(true);
  await openConsolePage(page, "Instances");
  await launchAndWaitForPrompt(page, { image: DEBIAN, name: "debian" });
  await typeLine(page, "apt-get install -y tree");
  await expect.poll(() => screenText(page), { timeout: 120_000 }).toMatch(/Setting up tree/);
  await expect.poll(() => screenText(page), { timeout: 30_000 }).toMatch(/root@i-[0-9a-f]+:~# *$/m);
  await typeLine(page, "tree /etc/apt");
  await expect.poll(() => screenText(page), { timeout: 30_000 }).toMatch(/\/etc\/apt\n(.*\n)*[├└]── sources\.list\.d/);
  await expect.poll(() => screenText(page)).toMatch(/\d+ directories, \d+ files/);
});
