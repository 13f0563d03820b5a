/** The benchmarks' and the screenshot's preview server leaves no process behind when stopped. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { startPreviewServer } from "../e2e/previewServer.ts";

const site = mkdtempSync(join(tmpdir(), "tabcloud-preview-"));
writeFileSync(join(site, "index.html"), "<!doctype html><title>preview</title>");
afterAll(() => rmSync(site, { recursive: true, force: true }));

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

it("stopping the preview server ends npx and the vite server it started", { timeout: 60_000 }, async () => {
  const server = await startPreviewServer(4179, site);
  expect(await (await fetch(server.baseUrl)).text()).toContain("preview");
  expect(groupAlive(server.pid)).toBe(true);
  await server.stop();
  // vite may take a moment after npx to close its socket and exit.
  await expect.poll(() => groupAlive(server.pid), { timeout: 10_000 }).toBe(false);
  await expect(fetch(server.baseUrl)).rejects.toThrow();
});
