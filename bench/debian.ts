/**
 * Debian 12: a cold launch in Chromium to the console's prompt (nothing cached: a fresh browser
 * context), with the bytes fetched of the image before the prompt against the whole image's; and
 * `apt-get install -y jq` from the offline archive, timed in a guest under Node.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "@playwright/test";
import { launchInstance, screenText } from "../e2e/terminal.ts";
import type { Instance } from "../src/hypervisor/index.ts";
import { createNodeHypervisor, SERVED_IMAGES_DIR } from "../src/hypervisor/node.ts";
import type { ImageManifest } from "../src/images/manifest.ts";
import { median, report, round } from "./stats.ts";

const IMAGE_DIR = "debian-12";

async function debianManifest(): Promise<ImageManifest> {
  return JSON.parse(await readFile(join(SERVED_IMAGES_DIR, IMAGE_DIR, "manifest.json"), "utf8")) as ImageManifest;
}

/** What a browser downloads to hold the whole image: its files as served, every chunk of its disk. */
function servedBytes(manifest: ImageManifest): number {
  return Object.values(manifest.files).reduce((sum, file) => sum + file.encodedSizeBytes, 0);
}

export async function benchDebianBoot(browser: Browser, baseUrl: string, runs: number): Promise<void> {
  const manifest = await debianManifest();
  const times: number[] = [];
  const fetched: number[] = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    let bytes = 0;
    let counting = true;
    page.on("response", (response) => {
      const url = new URL(response.url());
      if (!counting || !url.pathname.includes("/images/") || url.pathname.endsWith(".json")) return;
      // The bytes as they came over the wire: a server may gzip-encode a .gz again, or send it
      // with Content-Encoding: gzip, and body() is then the decoded content.
      void response
        .request()
        .sizes()
        .then(
          (sizes) => void (counting && (bytes += sizes.responseBodySize)),
          () => undefined,
        );
    });
    await page.goto(baseUrl);
    await page.getByRole("heading", { name: /Instances/ }).waitFor();
    const started = Date.now();
    await launchInstance(page, { image: manifest.name });
    await page.waitForFunction(() => document.querySelector('[data-testid="terminal"]') !== null);
    for (;;) {
      if (/root@i-[0-9a-f]+:~# *$/m.test(await screenText(page))) break;
      if (Date.now() - started > 120_000) throw new Error("Debian did not reach its prompt within 120 s");
      await page.waitForTimeout(20);
    }
    times.push(Date.now() - started);
    // Responses already received are counted as their bodies arrive.
    await page.waitForTimeout(200);
    counting = false;
    fetched.push(bytes);
    await context.close();
  }
  report({
    bench: "debian-boot",
    env: "chromium",
    runs,
    bootToPromptMs: round(median(times)),
    bytesFetchedBeforePrompt: Math.round(median(fetched)),
    imageBytes: servedBytes(manifest),
    fetchedShare: round(median(fetched) / servedBytes(manifest), 3),
  });
}

export async function benchAptInstall(): Promise<void> {
  const manifest = await debianManifest();
  const hypervisor = await createNodeHypervisor({ fastLaunch: false });
  try {
    const [instance] = (await hypervisor.runInstances({ imageId: manifest.imageId, instanceType: "t3.micro" })) as [Instance];
    const deadline = Date.now() + 180_000;
    for (;;) {
      const [now] = hypervisor.describeInstances({ instanceIds: [instance.instanceId] });
      if (now?.statusChecks.instance === "ok") break;
      if (Date.now() > deadline) throw new Error("Debian's agent did not answer within 180 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const started = performance.now();
    const result = await hypervisor.runCommand(instance.instanceId, "apt-get install -y jq", { timeoutMs: 300_000 });
    const ms = performance.now() - started;
    if (result.exitCode !== 0) throw new Error(`apt-get install failed: ${result.stderr}`);
    report({ bench: "apt-install", env: "node", package: "jq", ms: round(ms) });
  } finally {
    await hypervisor.shutdownAll();
  }
}
