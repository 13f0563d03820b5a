import { expect, test, type Locator, type Page } from "@playwright/test";
import { openConsolePage, screenText, typeLine } from "./terminal.ts";

const player = (page: Page) => page.getByTestId("lab-player");
const stepHeading = (page: Page) => player(page).getByRole("heading", { level: 2 });
const results = (page: Page) => page.getByTestId("check-results");

/** Presses Check and waits for the result of that press (the results' data-shown changes). */
async function pressCheck(page: Page): Promise<boolean> {
  const before = await results(page).getAttribute("data-shown");
  await page.getByTestId("lab-check").click();
  await expect(results(page)).not.toHaveAttribute("data-shown", before ?? "", { timeout: 20_000 });
  await expect(results(page)).toHaveAttribute("data-source", "manual");
  return (await results(page).getAttribute("data-passed")) === "true";
}

async function checkPasses(page: Page): Promise<void> {
  const passed = await pressCheck(page);
  expect(passed, await results(page).innerText()).toBe(true);
  await expect(results(page)).toContainText("Step passed");
}

async function checkFails(page: Page, message: RegExp): Promise<void> {
  expect(await pressCheck(page)).toBe(false);
  await expect(results(page)).toContainText("Not yet");
  await expect(results(page)).toContainText(message);
}

async function nextStep(page: Page, title: string): Promise<void> {
  await player(page)
    .getByRole("button", { name: `Next step: ${title}` })
    .click();
  await expect(stepHeading(page)).toHaveText(title);
}

/** Types a command and waits for a marker it prints when done, so what follows sees its effect. */
async function run(page: Page, command: string, marker: string): Promise<void> {
  await typeLine(page, `${command}; echo ${marker}-done`);
  await expect.poll(() => screenText(page)).toMatch(new RegExp(`^${marker}-done$`, "m"));
}

/** Security groups, the group named default, Actions, Edit inbound rules: the lab's own directions. */
async function editDefaultGroupInbound(page: Page): Promise<Locator> {
  await openConsolePage(page, "Security groups");
  await page.locator("tr[data-group-id]", { hasText: "default" }).first().click();
  await page.getByRole("button", { name: "Actions" }).click();
  await page.getByRole("menuitem", { name: "Edit inbound rules" }).click();
  return page.getByRole("dialog", { name: "Edit inbound rules" });
}

/** The number (1-based) of the editor's row whose type is HTTP, or 0 when there is none. */
async function httpRuleNumber(editor: Locator): Promise<number> {
  const types = editor.getByRole("combobox", { name: /^Type of rule \d+$/ });
  const count = await types.count();
  for (let index = 0; index < count; index++) if ((await types.nth(index).inputValue()) === "http") return index + 1;
  return 0;
}

test("Serve a web page, through the UI: the page served in the browser once HTTP is allowed, refused once the rule is gone", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./#/labs");
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  const card = page.locator('[data-lab-id="serve-a-web-page"]');
  await expect(card.getByRole("heading", { name: "Serve a web page" })).toBeVisible();
  await card.getByRole("button", { name: "Start Serve a web page" }).click();
  await player(page).getByRole("button", { name: "Start lab" }).click();
  await expect(stepHeading(page)).toHaveText("Write a web page");
  const bar = player(page).getByLabel("The lab's instance");
  await expect(bar).toContainText("web-server");
  await expect(bar.getByTestId("status-checks")).toHaveText("2/2 checks passed", { timeout: 90_000 });
  const instanceId = await bar.locator(".mono").first().innerText();
  await expect.poll(() => screenText(page), { timeout: 30_000 }).toMatch(new RegExp(`root@${instanceId}:~# *$`, "m"));

  // Step 1: the page.
  await checkFails(page, /Write the page to \/www\/index\.html/);
  await run(page, "mkdir -p /www && echo '<h1>Hello from my instance</h1>' > /www/index.html && cat /www/index.html", "page");
  await checkPasses(page);
  await nextStep(page, "Start the web server");

  // Step 2: httpd, answering on the instance itself.
  await checkFails(page, /Start the web server with httpd -p 80 -h \/www/);
  await run(page, "httpd -p 80 -h /www && wget -qO- http://127.0.0.1/", "httpd");
  await expect.poll(() => screenText(page)).toMatch(/^<h1>Hello from my instance<\/h1>$/m);
  await checkPasses(page);
  await nextStep(page, "Open port 80 to the internet");

  // Step 3: Open address times out while the default group has no HTTP rule.
  await checkFails(page, /security group/);
  await openConsolePage(page, "Instances");
  await page.locator(`tbody tr[data-instance-id="${instanceId}"]`).click();
  await page.getByRole("tab", { name: "Details" }).click();
  const popupOpened = page.waitForEvent("popup");
  await page.getByTestId("public-ip").getByTestId("open-address").click();
  const browserTab = await popupOpened;
  await expect(browserTab.getByRole("heading", { level: 1 })).toHaveText("The connection timed out");
  // As the lab says: the instance's flow log shows the browser's request rejected.
  await page.getByRole("tab", { name: "Networking" }).click();
  await expect(page.getByTestId("flow-log")).toContainText("REJECT");

  const add = await editDefaultGroupInbound(page);
  await add.getByRole("button", { name: "Add rule" }).click();
  const added = await add.getByRole("combobox", { name: /^Type of rule \d+$/ }).count();
  await add.getByLabel(`Type of rule ${added}`).selectOption("http");
  await add.getByLabel(`Source of rule ${added}`).fill("0.0.0.0/0");
  await add.getByRole("button", { name: "Save rules" }).click();
  await expect(add).toHaveCount(0);
  await expect(page.getByTestId("inbound-rules")).toContainText("HTTP");

  const served = await browserTab.reload();
  expect(served?.status()).toBe(200);
  await expect(browserTab.getByRole("heading", { level: 1 })).toHaveText("Hello from my instance");

  await openConsolePage(page, "Labs");
  await expect(stepHeading(page)).toHaveText("Open port 80 to the internet");
  await checkPasses(page);
  await nextStep(page, "Close it again");

  // Step 4: the rule deleted, the browser times out again while httpd still answers inside.
  await checkFails(page, /Delete the HTTP rule/);
  const remove = await editDefaultGroupInbound(page);
  const httpRule = await httpRuleNumber(remove);
  expect(httpRule).toBeGreaterThan(0);
  await remove.getByRole("button", { name: `Delete rule ${httpRule}` }).click();
  await remove.getByRole("button", { name: "Save rules" }).click();
  await expect(remove).toHaveCount(0);
  await expect(page.getByTestId("inbound-rules")).not.toContainText("HTTP");

  const refused = await browserTab.reload();
  expect(refused?.status()).toBe(504);
  await expect(browserTab.getByRole("heading", { level: 1 })).toHaveText("The connection timed out");
  await browserTab.close();

  await openConsolePage(page, "Labs");
  await expect(stepHeading(page)).toHaveText("Close it again");
  await checkPasses(page);
  await player(page).getByRole("button", { name: "Finish the lab" }).click();
  await expect(page.getByTestId("lab-complete")).toContainText("You finished Serve a web page");
  expect(errors).toEqual([]);
});
