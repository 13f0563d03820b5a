/**
 * What the network costs at boot: the default image as it was before instances had a NIC (its
 * files read from git history) against today's, booted in turn in one process so both see the
 * same host load. Today's instances always get a NIC; the old kernel has no driver for it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootToPrompt, type Boot } from "./node.ts";
import { median, report, round } from "./stats.ts";

/** The commit before the one that gave the kernel its network; BOOT_BASELINE=<commit> compares with another. */
const BASELINE = process.env.BOOT_BASELINE ?? "e2f050f^";
const IMAGE_FILES = [
  "index.json",
  "tabcloud-linux/manifest.json",
  "tabcloud-linux/manifest.instance-store.json",
  "tabcloud-linux/bios.bin.gz",
  "tabcloud-linux/bzImage",
  "tabcloud-linux/rootfs.ext4.gz",
];

function imagesAt(commit: string): string {
  const dir = mkdtempSync(join(tmpdir(), "tabcloud-images-"));
  mkdirSync(join(dir, "tabcloud-linux"));
  for (const file of IMAGE_FILES) {
    writeFileSync(join(dir, file), execFileSync("git", ["show", `${commit}:public/images/${file}`], { maxBuffer: 1 << 26 }));
  }
  return dir;
}

export async function benchBootCost(runs = 5): Promise<void> {
  const beforeDir = imagesAt(BASELINE);
  const before: Boot[] = [];
  const now: Boot[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      before.push(await bootToPrompt(beforeDir));
      now.push(await bootToPrompt());
    }
  } finally {
    rmSync(beforeDir, { recursive: true, force: true });
  }
  const msBefore = median(before.map((boot) => boot.ms));
  const msNow = median(now.map((boot) => boot.ms));
  const instructionsBefore = median(before.map((boot) => boot.instructions));
  const instructionsNow = median(now.map((boot) => boot.instructions));
  report({
    bench: "boot-nic",
    env: "node",
    runs,
    baseline: BASELINE,
    beforeNicMs: round(msBefore),
    withNicMs: round(msNow),
    ratio: round(msNow / msBefore, 3),
    beforeNicInstructions: Math.round(instructionsBefore),
    withNicInstructions: Math.round(instructionsNow),
    instructionRatio: round(instructionsNow / instructionsBefore, 3),
  });
}
