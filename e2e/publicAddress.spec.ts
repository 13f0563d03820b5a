import { expect, test, type Page } from "@playwright/test";
import { openLaunchDialog, screenText, typeLine } from "./terminal.ts";

const GUEST_PAGE = "<h1>hello from the guest</h1>";

async function openView(page: Page, name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Console" }).getByRole("button", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(`^${name}`) })).toBeVisible();
}

/** Waits until the service worker that answers public addresses is active for the lab. */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
}

/** Opens the group's inbound rules for editing. */
async function editInboundRules(page: Page, groupName: string): Promise<ReturnType<Page["getByRole"]>> {
  await openView(page, "Security groups");
  await page.locator("tr[data-group-id]", { hasText: groupName }).click();
  await page.getByRole("button", { name: "Edit inbound rules" }).click();
  return page.getByRole("dialog", { name: "Edit inbound rules" });
}

test("the browser opens a public instance's web page through its address; revoking HTTP makes it time out, authorizing it again serves it", async ({
  page,
}) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  await waitForServiceWorker(page);

  const dialog = await openLaunchDialog(page);
  await dialog.getByLabel("Name").fill("web-box");
  await dialog.getByText("Network settings").click();
  await expect(dialog.getByLabel("Auto-assign public IP")).toHaveValue("enable");
  await dialog.getByLabel("Allow HTTP traffic from the internet").check();
  await expect(dialog.getByTestId("network-summary")).toContainText("new group launch-wizard-1: SSH + HTTP");
  await dialog.getByRole("button", { name: "Launch instance", exact: true }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  const instanceId = (await page.locator("tbody tr[data-instance-id]").first().getAttribute("data-instance-id")) ?? "";
  await expect.poll(() => screenText(page), { timeout: 60_000 }).toMatch(new RegExp(`root@${instanceId}:~# *$`, "m"));

  await typeLine(page, `mkdir -p /www && echo '${GUEST_PAGE}' > /www/index.html && httpd -p 80 -h /www && echo httpd-started`);
  await expect.poll(() => screenText(page)).toMatch(/^httpd-started$/m);

  await page.getByRole("tab", { name: "Details" }).click();
  const link = page.getByTestId("public-ip").getByTestId("open-address");
  await expect(link).toHaveAttribute("href", /^vpc\/\d+\.\d+\.\d+\.\d+\/80\/$/);
  const address = (await link.getAttribute("href")) ?? "";

  // Open address: a new tab, as a person's click opens it; the guest's page is served in it.
  const popupOpened = page.waitForEvent("popup");
  await link.click();
  const guestTab = await popupOpened;
  await guestTab.waitForLoadState();
  await expect(guestTab.getByRole("heading", { level: 1 })).toHaveText("hello from the guest");
  expect(guestTab.url()).toMatch(new RegExp(`/${address.replace(/\./g, "\\.")}$`));
  await guestTab.screenshot({ path: test.info().outputPath("guest-page.png") });

  // Revoke HTTP: the next SYN is dropped by the group and the browser says the connection timed out.
  const revoke = await editInboundRules(page, "launch-wizard-1");
  await expect(revoke.getByLabel("Type of rule 2")).toHaveValue("http");
  await revoke.getByRole("button", { name: "Delete rule 2" }).click();
  await revoke.getByRole("button", { name: "Save rules" }).click();
  await expect(revoke).toHaveCount(0);
  await expect(page.getByTestId("inbound-rules").locator("tbody tr")).toHaveCount(1);
  const refused = await guestTab.reload();
  expect(refused?.status()).toBe(504);
  await expect(guestTab.getByRole("heading", { level: 1 })).toHaveText("The connection timed out");
  await expect(guestTab.getByText(/did not answer on port 80\./)).toBeVisible();
  await expect(guestTab.getByText(/add an inbound rule .* type HTTP, source 0\.0\.0\.0\/0/)).toBeVisible();
  await guestTab.screenshot({ path: test.info().outputPath("refused-page.png") });

  // Authorize HTTP again: the page is served once more.
  const authorize = await editInboundRules(page, "launch-wizard-1");
  await authorize.getByRole("button", { name: "Add rule" }).click();
  await authorize.getByLabel("Type of rule 2").selectOption("http");
  await authorize.getByRole("button", { name: "Save rules" }).click();
  await expect(authorize).toHaveCount(0);
  await expect(page.getByTestId("inbound-rules").locator("tbody tr")).toHaveCount(2);
  const served = await guestTab.reload();
  expect(served?.status()).toBe(200);
  await expect(guestTab.getByRole("heading", { level: 1 })).toHaveText("hello from the guest");

  await guestTab.close();
  expect(errors).toEqual([]);
});

test("an address no instance has gives the No such address page, and with no lab tab open the No lab is running page; the service worker leaves every other address alone", async ({
  context,
  page,
}) => {
  await page.goto("./");
  await expect(page.getByRole("heading", { name: /Instances/ })).toBeVisible();
  await waitForServiceWorker(page);

  const other = await context.newPage();
  const unknown = await other.goto("vpc/198.51.100.7/80/");
  expect(unknown?.status()).toBe(404);
  expect(unknown?.fromServiceWorker()).toBe(true);
  await expect(other.getByRole("heading", { level: 1 })).toHaveText("No such address");
  await expect(other.getByText("No instance has the public address in 198.51.100.7:80.")).toBeVisible();
  await other.screenshot({ path: test.info().outputPath("no-such-address.png") });

  // Not an address: a port out of range is answered as such, not sent to the fleet.
  const badPort = await other.goto("vpc/198.51.100.7/70000/");
  expect(badPort?.status()).toBe(400);
  await expect(other.getByRole("heading", { level: 1 })).toHaveText("Not an address");

  // Paths that only look like the route go to the server, as does any file the lab does not keep.
  for (const path of ["vpc", "vpcs/198.51.100.7/80/", "assets/vpc/198.51.100.7/80/", "no-such-file.txt"]) {
    const response = await other.goto(path);
    expect(response?.fromServiceWorker(), path).toBe(false);
  }

  // With the lab's tab closed, nothing answers for public addresses, and the page says so.
  await page.close();
  const noLab = await other.goto("vpc/198.51.100.7/80/");
  expect(noLab?.status()).toBe(504);
  await expect(other.getByRole("heading", { level: 1 })).toHaveText("No lab is running");
  await other.close();
});
