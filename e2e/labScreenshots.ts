/**
 * Screenshots of the labs: the catalog, a step with a failed check and a hint, the completion
 * page, and the player at a narrow width.
 *   npm run build && npx tsx e2e/labScreenshots.ts [folder]   (serves dist/ on port 4178; SCHEME=light for the light theme)
 */
import { spawn } from "node:child_process";
import { chromium, type Page } from "@playwright/test";
import { chromiumArgs } from "./playwright.config.ts";

const base = "http://127.0.0.1:4178/";
const folder = process.argv[2] ?? "e2e/screenshots";
const scheme = process.env.SCHEME === "light" ? "light" : "dark";
// In its own process group: npx starts vite as a child, and killing npx alone would leave vite serving.
const server = spawn("npx", ["vite", "preview", "--host", "127.0.0.1", "--port", "4178", "--strictPort"], {
  stdio: "ignore",
  detached: true,
});

const prompt = (page: Page) =>
  page.waitForFunction(
    () => /root@i-[0-9a-f]{17}:~# /.test(document.querySelector(".xterm-rows")?.textContent?.replace(/\u00a0/g, " ") ?? ""),
    null,
    { timeout: 60_000 },
  );

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
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
  const check = async () => {
    const before = await page.getByTestId("check-results").getAttribute("data-shown");
    await page.getByTestId("lab-check").click();
    await page.waitForFunction(
      (shown) => document.querySelector<HTMLElement>('[data-testid="check-results"]')?.dataset.shown !== shown,
      before,
    );
  };

  await page.goto(`${base}#/labs`);
  await page.locator('[data-lab-id="first-instance"]').waitFor();
  await page.screenshot({ path: `${folder}/labs-${scheme}.png` });

  // Connect and work: the player launches the instance; step 1 checked before doing it, a hint shown.
  await page
    .locator('[data-lab-id="connect-and-work"]')
    .getByRole("button", { name: /^Start/ })
    .click();
  await page.getByRole("button", { name: "Start lab" }).click();
  await prompt(page);
  await page.getByTestId("status-checks").filter({ hasText: "2/2 checks passed" }).waitFor({ timeout: 60_000 });
  await page.locator('[data-testid="terminal"]').click();
  await page.keyboard.type("ls -la\n");
  await check();
  await page.getByRole("button", { name: /Show hint/ }).click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${folder}/lab-step-${scheme}.png` });

  await page.setViewportSize({ width: 420, height: 900 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${folder}/lab-step-narrow-${scheme}.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Through the rest of the lab with its own solutions typed in, to the completion page.
  const solutions = [
    "mkdir -p /root/project/docs /root/project/src",
    'cd /root/project && echo "# My project" > README.md && echo notes > docs/notes.txt',
    "cp README.md docs/index.md && mkdir -p archive && mv docs/notes.txt archive/",
    "cp /srv/archive/2025/q3/reports/launch-code.txt /root/project/found.txt",
    'echo "Edited with vi." >> /root/project/README.md',
  ];
  for (const [i, command] of solutions.entries()) {
    await page.locator('[data-testid="terminal"]').click();
    await page.keyboard.type(`${command}; echo done-${i}\n`);
    await page.waitForFunction((marker) => (document.querySelector(".xterm-rows")?.textContent ?? "").includes(marker), `done-${i}`);
    await check();
    await page.getByRole("button", { name: /^(Next step|Finish the lab)/ }).click();
  }
  await page.getByTestId("lab-complete").waitFor();
  await page.screenshot({ path: `${folder}/lab-complete-${scheme}.png` });

  await page.getByRole("button", { name: "Back to all labs" }).click();
  await page.setViewportSize({ width: 420, height: 900 });
  await page.screenshot({ path: `${folder}/labs-narrow-${scheme}.png` });
  await browser.close();
} finally {
  if (server.pid) process.kill(-server.pid);
}
