/**
 * Records in a chunked image's manifest which chunks its boot reads before the console's
 * prompt (rootVolume.bootChunks): a launch fetches those together as it starts instead of one
 * by one as the guest asks. Boots the image once in v86 under Node:
 *   node --import tsx images/write-boot-chunks.ts <images dir> <image dir name>
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Instance } from "../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../src/hypervisor/node.ts";
import { isChunked, parseManifest } from "../src/images/manifest.ts";

const PROMPT = /root@i-[0-9a-f]+:~# $/;
const BOOT_TIMEOUT_MS = 180_000;

async function main(): Promise<void> {
  const [imagesDir, name] = process.argv.slice(2);
  if (!imagesDir || !name) throw new Error("usage: write-boot-chunks.ts <images dir> <image dir name>");
  const manifestPath = join(imagesDir, name, "manifest.json");
  const data = JSON.parse(await readFile(manifestPath, "utf8")) as Record<string, unknown>;
  const manifest = parseManifest(data, manifestPath);
  if (!manifest.ok) throw new Error(manifest.error.message);
  const disk = manifest.value.files.rootVolume;
  if (!isChunked(disk)) throw new Error(`${name}'s root volume is not chunked`);
  const indexOf = new Map(disk.chunks.flatMap((chunk, index) => (chunk ? [[chunk.sha256, index] as const] : [])));
  const read = new Set<number>();
  let booted = false;
  const hypervisor = await createNodeHypervisor({
    imagesDir,
    fastLaunch: false,
    fetcher: async (url) => {
      const index = indexOf.get(/([0-9a-f]{64})\.gz$/.exec(url)?.[1] ?? "");
      if (index !== undefined && !booted) read.add(index);
      try {
        return new Response(await readFile(fileURLToPath(url)));
      } catch {
        return new Response(null, { status: 404 });
      }
    },
  });
  try {
    const [instance] = (await hypervisor.runInstances({ imageId: manifest.value.imageId, instanceType: "t3.micro" })) as [Instance];
    let console = "";
    hypervisor.onConsoleOutput(instance.instanceId, (bytes) => {
      console += new TextDecoder().decode(bytes);
    });
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    // eslint-disable-next-line no-control-regex -- the console's escape sequences are taken out
    while (!PROMPT.test(console.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ""))) {
      if (Date.now() > deadline) throw new Error(`${name} did not reach its prompt within ${BOOT_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    booted = true;
  } finally {
    await hypervisor.shutdownAll();
  }
  const files = data.files as { rootVolume: Record<string, unknown> };
  files.rootVolume.bootChunks = [...read].sort((a, b) => a - b);
  await writeFile(manifestPath, JSON.stringify(data, null, 2) + "\n");
  const bytes = [...read].reduce((sum, index) => sum + (disk.chunks[index]?.encodedSizeBytes ?? 0), 0);
  process.stderr.write(`${name}: a boot reads ${read.size} chunks, ${(bytes / 1024 / 1024).toFixed(1)} MiB served\n`);
}

await main();
