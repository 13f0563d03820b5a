import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { expect, test, type Page } from "@playwright/test";
import { KERNEL_URL, serveCorruptKernel } from "./corruptKernel.ts";
import { instanceState, launchAndWaitForPrompt, screenText, typeLine } from "./terminal.ts";

// The routes below must see every image request: the service worker's cache would answer some first.
test.use({ serviceWorkers: "block" });

async function openView(page: Page, name: "Instances" | "Images (AMIs)" | "Volumes" | "Snapshots"): Promise<void> {
  await page.getByRole("navigation", { name: "Console" }).getByRole("button", { name, exact: true }).click();
}

/** The card of the default image, tabcloud Linux with an EBS root (the catalog also has an instance-store variant of it). */
function imageCard(page: Page) {
  return page.locator("article[data-image-id]", { has: page.getByRole("heading", { name: /^tabcloud-linux-[\d.]+-i686$/ }) });
}

test("a download that fails its SHA-256 check, or is cancelled, keeps nothing; a good one is kept offline", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await serveCorruptKernel(page, 4096);
  await page.goto("./");
  await openView(page, "Images (AMIs)");
  const card = imageCard(page);
  const offline = card.getByTestId("image-offline");
  await expect(offline).toHaveAttribute("data-offline", "false");
  await expect(card.getByTestId("image-source")).toHaveText("Catalog");

  await card.getByTestId("image-download").click();
  await expect(card.getByTestId("image-error")).toContainText("ImageIntegrityError");
  await expect(card.getByTestId("image-error")).toContainText("bzImage.gz does not match its manifest");
  await expect(card.getByTestId("image-progress")).toHaveCount(0);
  await expect(offline).toHaveAttribute("data-offline", "false");
  await expect(card.getByTestId("image-deregister")).toHaveCount(0);

  // Nothing of the corrupt download was kept: after a reload the image is still not here.
  await page.reload();
  await openView(page, "Images (AMIs)");
  await expect(offline).toHaveAttribute("data-offline", "false");
  await expect(card.getByTestId("image-download")).toBeVisible();

  // A download held up at the kernel shows its progress and can be cancelled.
  await page.unroute(KERNEL_URL);
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(KERNEL_URL, async (route) => {
    await held;
    await route.continue().catch(() => undefined);
  });
  await card.getByTestId("image-download").click();
  const progress = card.getByTestId("image-progress");
  // The BIOS came before the kernel: 75 KiB of the 3.1 MiB to download.
  await expect(progress).toContainText(/75 KiB of 3\.1 MiB \(2%\)/);
  await expect(progress.locator("progress")).toHaveAttribute("value", /^7\d{4}$/);
  await progress.getByTestId("image-cancel").click();
  await expect(card.getByTestId("image-error")).toContainText("DownloadCancelled");
  await expect(progress).toHaveCount(0);
  await expect(offline).toHaveAttribute("data-offline", "false");
  release();
  await page.unroute(KERNEL_URL);

  // The real files download, verify and stay, across a reload.
  await card.getByTestId("image-download").click();
  await expect(offline).toHaveAttribute("data-offline", "true");
  await expect(card.getByTestId("image-error")).toHaveCount(0);
  await page.reload();
  await openView(page, "Images (AMIs)");
  await expect(offline).toHaveAttribute("data-offline", "true");
  await expect(card.getByTestId("image-deregister")).toHaveText("Remove from this browser");

  // Removing it asks first, then frees the files.
  await card.getByTestId("image-deregister").click();
  await page.getByRole("dialog").getByRole("button", { name: "Remove from this browser" }).click();
  await expect(page.getByRole("status").filter({ hasText: "freed in this browser" })).toContainText(
    /Removed tabcloud-linux.*: \d+(\.\d)? MiB freed/,
  );
  await expect(offline).toHaveAttribute("data-offline", "false");
  expect(errors).toEqual([]);
});

test("a volume attached to a stopped instance is the guest's /dev/sdb; detach and delete it", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  const instanceId = await launchAndWaitForPrompt(page);
  const state = page.locator(`tbody tr[data-instance-id="${instanceId}"] [data-state]`);
  await instanceState(page, "Stop instance");
  await expect(state).toHaveAttribute("data-state", "stopped", { timeout: 30_000 });

  await openView(page, "Volumes");
  // The instance's root volume is listed, attached at /dev/sda.
  await expect(page.locator("tbody tr[data-volume-id]", { hasText: instanceId })).toContainText("/dev/sda");

  await page.getByRole("button", { name: "Create volume" }).click();
  const createDialog = page.getByRole("dialog", { name: "Create volume" });
  await createDialog.getByLabel(/Size/).fill("16");
  await createDialog.getByLabel(/Name tag/).fill("data-disk");
  await createDialog.getByRole("button", { name: "Create volume" }).click();
  await expect(createDialog).toHaveCount(0);
  const row = page.locator("tbody tr[data-volume-id]", { hasText: "data-disk" });
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "available");
  await expect(row).toContainText("16 MiB");
  const volumeId = await row.getAttribute("data-volume-id");
  expect(volumeId).toMatch(/^vol-[0-9a-f]{17}$/);

  const actions = page.getByRole("button", { name: /^Actions/ });
  await row.click();
  await actions.click();
  await page.getByRole("menuitem", { name: /Attach volume/ }).click();
  const attachDialog = page.getByRole("dialog", { name: "Attach volume" });
  await attachDialog.getByLabel("Instance").selectOption(instanceId);
  await attachDialog.getByRole("button", { name: "Attach volume" }).click();
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "in-use");
  await expect(row.getByTestId("volume-attachment")).toContainText(`${instanceId}: /dev/sdb`);

  // While attached it cannot be deleted, and the menu says why.
  await actions.click();
  const deleteItem = page.getByRole("menuitem", { name: /Delete volume/ });
  await expect(deleteItem).toHaveAttribute("aria-disabled", "true");
  await expect(deleteItem).toContainText(`attached to ${instanceId}: detach it first`);
  await page.keyboard.press("Escape");

  await openView(page, "Instances");
  await instanceState(page, "Start instance");
  await expect(state).toHaveAttribute("data-state", "running");
  await expect(page.locator(`tbody tr[data-instance-id="${instanceId}"]`).getByTestId("status-checks")).toHaveText("2/2 checks passed", {
    timeout: 60_000,
  });
  await typeLine(page, "clear; cat /proc/partitions");
  // major 8, minor 16: the second SCSI/ATA disk, 16384 KiB.
  await expect.poll(() => screenText(page)).toMatch(/^\s*8\s+16\s+16384\s+sdb$/m);

  // Running, the volume cannot be detached.
  await openView(page, "Volumes");
  await row.click();
  await actions.click();
  await expect(page.getByRole("menuitem", { name: /Detach volume/ })).toHaveAttribute("aria-disabled", "true");
  await page.keyboard.press("Escape");

  await openView(page, "Instances");
  await instanceState(page, "Stop instance");
  await expect(state).toHaveAttribute("data-state", "stopped", { timeout: 30_000 });

  await openView(page, "Volumes");
  await row.click();
  await actions.click();
  await page.getByRole("menuitem", { name: /Detach volume/ }).click();
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "available");
  await expect(row.getByTestId("volume-attachment")).toHaveText("–");

  await actions.click();
  await page.getByRole("menuitem", { name: /Delete volume/ }).click();
  await page.getByRole("dialog", { name: "Delete volume" }).getByRole("button", { name: "Delete" }).click();
  await expect(page.locator(`tbody tr[data-volume-id="${volumeId}"]`)).toHaveCount(0);
  await expect(page.getByTestId("volume-notice")).toHaveText(`Deleted volume ${volumeId}.`);
  expect(errors).toEqual([]);
});

test("import a disk image file as a volume and export it back byte for byte; snapshot it and make a volume of the snapshot", async ({
  page,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  await openView(page, "Volumes");

  // 1 MiB with two non-zero 4 KiB blocks, far apart.
  const image = Buffer.alloc(1024 * 1024);
  image.write("tabcloud volume start", 0);
  image.write("tabcloud volume end", 1024 * 1024 - 4096);
  await page.getByTestId("volume-import-file").setInputFiles({ name: "disk.img", mimeType: "application/octet-stream", buffer: image });
  const row = page.locator("tbody tr[data-volume-id]", { hasText: "disk" });
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "available");
  await expect(row).toContainText("1.0 MiB");
  // Only the written blocks are stored.
  await expect(row.locator("td").last()).toHaveText("8.0 KiB");
  const volumeId = (await row.getAttribute("data-volume-id")) as string;

  const actions = page.getByRole("button", { name: /^Actions/ });
  await row.click();
  await actions.click();
  const download = page.waitForEvent("download");
  await page.getByRole("menuitem", { name: /Export volume/ }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${volumeId}.img`);
  const stream = await file.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).equals(image)).toBe(true);

  await actions.click();
  await page.getByRole("menuitem", { name: /Create snapshot/ }).click();
  const snapshotDialog = page.getByRole("dialog", { name: "Create snapshot" });
  await snapshotDialog.getByLabel(/Description/).fill("imported disk");
  await snapshotDialog.getByRole("button", { name: "Create snapshot" }).click();
  await expect(snapshotDialog).toHaveCount(0);

  await openView(page, "Snapshots");
  const snapshotRow = page.locator("tbody tr[data-snapshot-id]", { hasText: "imported disk" });
  await expect(snapshotRow).toContainText(volumeId);
  await expect(snapshotRow).toContainText("8.0 KiB stored");
  const snapshotId = (await snapshotRow.getAttribute("data-snapshot-id")) as string;
  await snapshotRow.click();
  await page.getByRole("button", { name: /^Actions/ }).click();
  await page.getByRole("menuitem", { name: /Create volume from snapshot/ }).click();
  const createDialog = page.getByRole("dialog", { name: "Create volume from snapshot" });
  await createDialog.getByLabel(/Name tag/).fill("restored");
  await createDialog.getByRole("button", { name: "Create volume" }).click();
  await expect(page.getByTestId("snapshot-notice")).toContainText("Created volume vol-");

  await openView(page, "Volumes");
  const restored = page.locator("tbody tr[data-volume-id]", { hasText: "restored" });
  await expect(restored).toContainText(snapshotId);
  await expect(restored.locator("td").last()).toHaveText("8.0 KiB");

  // The snapshot goes; the volume made from it keeps its data.
  await openView(page, "Snapshots");
  await page.locator("tbody tr[data-snapshot-id]").first().click();
  await page.getByRole("button", { name: /^Actions/ }).click();
  await page.getByRole("menuitem", { name: /Delete snapshot/ }).click();
  await page.getByRole("dialog", { name: "Delete snapshot" }).getByRole("button", { name: "Delete" }).click();
  await expect(page.locator("tbody tr[data-snapshot-id]")).toHaveCount(0);
  await openView(page, "Volumes");
  await expect(restored.locator("td").last()).toHaveText("8.0 KiB");
  expect(errors).toEqual([]);
});

test("import a kernel and a root disk as an image: a file that is not a kernel is refused with what to give", async ({ page }) => {
  const served = join(import.meta.dirname, "..", "public", "images", "tabcloud-linux");
  const kernel = gunzipSync(await readFile(join(served, "bzImage.gz")));
  const rootDisk = gunzipSync(await readFile(join(served, "rootfs.ext4.gz")));
  // Playwright takes files over 50 MB from disk only.
  const rootDiskPath = join(test.info().outputDir, "root.img");
  await mkdir(test.info().outputDir, { recursive: true });
  await writeFile(rootDiskPath, rootDisk);
  await page.goto("./");
  await openView(page, "Images (AMIs)");
  await page.getByRole("button", { name: "Import image" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("my-imported-linux");
  // The root disk given as the kernel: refused, and the dialog says why.
  await dialog
    .getByTestId("import-kernel")
    .setInputFiles({ name: "rootfs.img", mimeType: "application/octet-stream", buffer: rootDisk.subarray(0, 64 * 1024) });
  await dialog.getByTestId("import-disk").setInputFiles(rootDiskPath);
  await dialog.getByRole("button", { name: "Import image" }).click();
  await expect(dialog.getByRole("alert")).toContainText("not a Linux bzImage");

  await dialog.getByTestId("import-kernel").setInputFiles({ name: "bzImage", mimeType: "application/octet-stream", buffer: kernel });
  await dialog.getByLabel(/Kernel command line/).fill("console=ttyS0 root=/dev/sda rw rootfstype=ext4 lapic quiet loglevel=3");
  await dialog.getByRole("button", { name: "Import image" }).click();
  await expect(page.getByRole("status")).toContainText("Imported my-imported-linux");
  const card = page.locator("article[data-image-id]", { has: page.getByRole("heading", { name: "my-imported-linux" }) });
  await expect(card.getByTestId("image-source")).toHaveText("Imported");
  await expect(card.getByTestId("image-offline")).toHaveAttribute("data-offline", "true");
});
