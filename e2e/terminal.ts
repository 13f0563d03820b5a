import { expect, type Page } from "@playwright/test";

/** The terminal's screen as text, one line per row (xterm.js draws rows into the DOM). */
export async function screenText(page: Page): Promise<string> {
  const rows = await page.locator('[data-testid="terminal"] .xterm-rows > div').allInnerTexts();
  return rows.map((row) => row.replace(/\u00a0/g, " ").trimEnd()).join("\n");
}

/** Launches an instance from the console and waits for its shell prompt; returns its id. */
export async function launchAndWaitForPrompt(page: Page): Promise<string> {
  await page.getByRole("button", { name: "Launch instance" }).click();
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
  item: "Start instance" | "Stop instance" | "Hibernate instance" | "Reboot instance" | "Terminate instance",
): Promise<void> {
  await page.getByRole("button", { name: "Instance state" }).click();
  await page.getByRole("menuitem", { name: item }).click();
}
