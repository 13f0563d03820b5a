/**
 * Takes the README's screenshot of the console with a running instance:
 *   npm run build && npx tsx e2e/screenshot.ts   (serves dist/ itself on port 4175)
 */
import { chromium } from "@playwright/test";
import { chromiumArgs } from "./playwright.config.ts";
import { startPreviewServer } from "./previewServer.ts";

const server = await startPreviewServer(4175);
const base = server.baseUrl;
try {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: chromiumArgs });
  const page = await browser.newPage({
    viewport: { width: 1280, height: 760 },
    colorScheme: process.env.SCHEME === "light" ? "light" : "dark",
  });
  await page.goto(base);
  await page.getByRole("button", { name: "Launch instances", exact: true }).click();
  await page.getByRole("dialog", { name: "Launch an instance" }).getByRole("button", { name: "Launch instance", exact: true }).click();
  await page.waitForFunction(
    () => /root@i-[0-9a-f]{17}:~# /.test(document.querySelector(".xterm-rows")?.textContent?.replace(/\u00a0/g, " ") ?? ""),
    null,
    { timeout: 60_000 },
  );
  await page.locator('[data-testid="terminal"]').click();
  await page.keyboard.type("uname -a; free -m; df -h /\n");
  await page.waitForTimeout(1500);
  await page.locator("tbody tr").first().click();
  await page.screenshot({ path: process.argv[2] ?? "e2e/screenshots/console.png" });
  await browser.close();
} finally {
  await server.stop();
}
