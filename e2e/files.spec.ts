import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { launchAndWaitForPrompt, screenText, typeLine } from "./terminal.ts";

const MIB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Downloads the path through the Files panel and returns the file the browser saved. */
async function download(page: Page, path: string, dir: string): Promise<{ name: string; bytes: Buffer }> {
  await page.getByTestId("files-source").fill(path);
  const saved = page.waitForEvent("download", { timeout: 400_000 });
  await page.getByTestId("files-download").click();
  const file = await saved;
  const target = join(dir, file.suggestedFilename());
  await file.saveAs(target);
  return { name: file.suggestedFilename(), bytes: readFileSync(target) };
}

test("the Files panel copies a 20 MiB binary file in and out byte for byte, and a directory out as a tar", async ({ page }) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  await launchAndWaitForPrompt(page);
  await page.getByRole("tab", { name: "Files" }).click();

  const bytes = new Uint8Array(randomBytes(20 * MIB));
  await page.getByTestId("files-directory").fill("/root");
  await page
    .getByTestId("files-picker")
    .setInputFiles({ name: "random.bin", mimeType: "application/octet-stream", buffer: Buffer.from(bytes) });
  const row = page.getByTestId("files-transfer").last();
  // Progress shows while it goes.
  await expect(row.getByRole("status")).toContainText(/MiB of 20(\.0)? MiB/, { timeout: 60_000 });
  await expect(row).toHaveAttribute("data-status", "done", { timeout: 400_000 });

  // The guest's own sha256sum agrees (asked in the terminal, as a person would).
  await page.getByRole("tab", { name: "Terminal" }).click();
  await typeLine(page, "sha256sum /root/random.bin");
  await expect.poll(() => screenText(page), { timeout: 60_000 }).toContain(`${sha256(bytes)}  /root/random.bin`);
  await typeLine(page, "mkdir -p /root/site/css && echo hi > /root/site/index.html && echo 'p{}' > /root/site/css/a.css");
  await page.getByRole("tab", { name: "Files" }).click();

  const dir = mkdtempSync(join(tmpdir(), "tabcloud-e2e-files-"));
  try {
    const back = await download(page, "/root/random.bin", dir);
    expect(back.name).toBe("random.bin");
    expect(sha256(back.bytes)).toBe(sha256(bytes));

    const tar = await download(page, "/root/site", dir);
    expect(tar.name).toBe("site.tar");
    const listed = execFileSync("tar", ["-tf", join(dir, "site.tar")])
      .toString()
      .split("\n")
      .filter(Boolean);
    expect(listed.map((name) => name.replace(/\/$/, "")).sort()).toEqual(["site", "site/css", "site/css/a.css", "site/index.html"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await expect(page.getByTestId("files-error")).toHaveCount(0);
  expect(errors).toEqual([]);
});
