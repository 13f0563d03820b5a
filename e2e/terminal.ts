import { expect, type Locator, type Page } from "@playwright/test";

/** The terminal's screen as text, one line per row (xterm.js draws rows into the DOM). */
export async function screenText(page: Page): Promise<string> {
  const rows = await page.locator('[data-testid="terminal"] .xterm-rows > div').allInnerTexts();
  return rows.map((row) => row.replace(/\u00a0/g, " ").trimEnd()).join("\n");
}

/** What the launch dialog is given; the rest keeps its defaults. */
export interface LaunchFields {
  readonly name?: string;
  /** The image's name as the launch dialog lists it; the catalog's first unless given. */
  readonly image?: string;
  readonly instanceType?: string;
  /** Ticks "Stop – Hibernate behavior: Enable" under Advanced details: only then can the instance hibernate. */
  readonly hibernation?: boolean;
}

/** Opens a page of the console from its navigation ("Instances", "Images (AMIs)", ...). */
export async function openConsolePage(page: Page, name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Console" }).getByRole("button", { name, exact: true }).click();
}

/** Opens the Instances page's launch dialog. */
export async function openLaunchDialog(page: Page): Promise<Locator> {
  await page.getByRole("button", { name: "Launch instances", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Launch an instance" });
  await expect(dialog).toBeVisible();
  return dialog;
}

/** Launches an instance through the launch dialog; the dialog closes once the launch is accepted. */
export async function launchInstance(page: Page, fields: LaunchFields = {}): Promise<void> {
  const dialog = await openLaunchDialog(page);
  if (fields.name !== undefined) await dialog.getByLabel("Name").fill(fields.name);
  if (fields.image !== undefined) await dialog.getByLabel("Image (AMI)").selectOption({ label: fields.image });
  if (fields.instanceType !== undefined) await dialog.getByLabel("Instance type").selectOption(fields.instanceType);
  if (fields.hibernation) {
    await dialog.getByText("Advanced details").click();
    await dialog.getByLabel("Stop – Hibernate behavior: Enable").check();
  }
  await dialog.getByRole("button", { name: "Launch instance", exact: true }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
}

/** Launches an instance from the console and waits for its shell prompt; returns its id. */
export async function launchAndWaitForPrompt(page: Page, fields: LaunchFields = {}): Promise<string> {
  await launchInstance(page, fields);
  const row = page.locator("tbody tr[data-instance-id]").first();
  const instanceId = await row.getAttribute("data-instance-id");
  expect(instanceId).toMatch(/^i-[0-9a-f]{17}$/);
  await expect.poll(() => screenText(page), { timeout: 60_000 }).toMatch(new RegExp(`root@${instanceId}:~# *$`, "m"));
  return instanceId as string;
}

/** Types a command line into the terminal. */
export async function typeLine(page: Page, line: string): Promise<void> {
  await page.locator('[data-testid="terminal"]').click();
  await page.keyboard.type(`${line}\n`);
}

/** Picks an entry of the selected instance's "Instance state" menu. */
export async function instanceState(
  page: Page,
  item: "Start instance" | "Stop instance" | "Force stop instance" | "Hibernate instance" | "Reboot instance" | "Terminate instance",
): Promise<void> {
  await page.getByRole("button", { name: "Instance state" }).click();
  // Exact: "Stop instance" is also part of "Force stop instance".
  await page.getByRole("menuitem", { name: item, exact: true }).click();
}
