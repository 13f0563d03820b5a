/**
 * Takes the README's screenshot of the console with a running instance:
 *   npm run build && npx tsx e2e/screenshot.ts   (serves dist/ itself on port 4175)
 */
import { spawn } from "node:child_process";
import { chromium } from "@playwright/test";
import { chromiumArgs } from "./playwright.config.ts";

const base = "http://127.0.0.1:4175/";
// Its own process group: npx starts vite as a child, and both must end with the screenshot.
const server = spawn("npx", ["vite", "preview", "--host", "127.0.0.1", "--port", "4175", "--strictPort"], {
  stdio: "ignore",
  detached: true,
});
try {
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(base).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: chromiumArgs });
  const page = await browser.newPage({
    viewport: { width: 1280, height: 760 },
    colorScheme: process.env.SCHEME === "light" ? "light" : "dark",
  });
  await page.goto(base);
  const launch = page.getByRole("button", { name: "Launch instance" });
  await launch.click();
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
  if (server.pid !== undefined) process.kill(-server.pid, "SIGTERM");
}
