/** Key pressed on the page to its echo drawn by xterm.js in the shown terminal, through worker, guest and back. */
import type { Page } from "@playwright/test";

interface EchoState {
  t0: number;
  results: number[];
}

const state = (page: Page) => page.evaluate(() => (window as unknown as { echo: EchoState }).echo.results.length);

/** Presses x and Backspace in turn `samples` times in the terminal on show and returns each echo's time in ms. */
export async function terminalEchoTimes(page: Page, samples: number): Promise<number[]> {
  await page.locator('[data-testid="terminal"]').click();
  await page.evaluate(() => {
    const echo: EchoState = { t0: 0, results: [] };
    (window as unknown as { echo: EchoState }).echo = echo;
    document.addEventListener("keydown", () => (echo.t0 = performance.now()), { capture: true });
    const target = document.querySelector('[data-testid="terminal"] .xterm-rows');
    if (!target) throw new Error("no terminal rows");
    new MutationObserver(() => {
      if (echo.t0 === 0) return;
      // xterm.js changes its rows inside the frame's animation callbacks; that same frame
      // paints them, so the mutation's time is when the echo is drawn.
      echo.results.push(performance.now() - echo.t0);
      echo.t0 = 0;
    }).observe(target, { childList: true, subtree: true, characterData: true });
  });
  for (let i = 0; i < samples; i++) {
    const before = await state(page);
    await page.keyboard.press(i % 2 === 0 ? "x" : "Backspace");
    await page.waitForFunction((n) => (window as unknown as { echo: EchoState }).echo.results.length > n, before, { timeout: 15_000 });
    // Irregular gaps, so key presses do not fall into step with the display's frames.
    await page.waitForTimeout(40 + ((i * 37) % 60));
  }
  return page.evaluate(() => (window as unknown as { echo: EchoState }).echo.results);
}
