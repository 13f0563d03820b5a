/**
 * Writes the formatted empty volumes the lab offers (public/images/volumes/): for each size an
 * ext4 file system made by mke2fs, stored as a block set (only its non-zero blocks) and gzipped,
 * and index.json describing them with their SHA-256.
 *   node --import tsx images/write-volume-templates.ts <output dir> <scratch dir>
 */
import { execFileSync } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { sha256Hex } from "../src/images/sha256.ts";
import { OVERLAY_BLOCK_BYTES } from "../src/disk/blockOverlay.ts";
import { encodeBlockSet } from "../src/disk/blockSet.ts";
import { parseVolumeTemplates, VOLUME_TEMPLATE_SIZES_MIB, type VolumeTemplates } from "../src/images/volumeTemplates.ts";

const [outDir, scratch] = process.argv.slice(2);
if (!outDir || !scratch) throw new Error("usage: write-volume-templates.ts <output dir> <scratch dir>");
await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
await mkdir(scratch, { recursive: true });
const epoch = process.env.SOURCE_DATE_EPOCH ?? "0";
const catalog: VolumeTemplates = { templates: [] };
for (const sizeMib of VOLUME_TEMPLATE_SIZES_MIB) {
  const raw = join(scratch, `ext4-${sizeMib}.img`);
  await rm(raw, { force: true });
  // Fixed UUID, hash seed and time: the same bytes on every build.
  execFileSync(
    "mke2fs",
    [
      "-q",
      "-F",
      "-t",
      "ext4",
      "-L",
      "data",
      "-U",
      "7ab0c10d-0000-4000-8000-000000000010",
      "-E",
      "root_owner=0:0,hash_seed=7ab0c10d-0000-4000-8000-000000000011,lazy_itable_init=0,lazy_journal_init=0,nodiscard",
      raw,
      `${sizeMib}M`,
    ],
    { env: { ...process.env, E2FSPROGS_FAKE_TIME: epoch } },
  );
  const blockSet = encodeBlockSet(new Uint8Array(await readFile(raw)), OVERLAY_BLOCK_BYTES);
  const served = gzipSync(blockSet, { level: 9 });
  const path = `ext4-${sizeMib}mib.blocks.gz`;
  await writeFile(join(outDir, path), served);
  catalog.templates.push({
    filesystem: "ext4",
    sizeMib,
    file: {
      path,
      encoding: "gzip",
      sizeBytes: blockSet.byteLength,
      sha256: await sha256Hex(blockSet as Uint8Array<ArrayBuffer>),
      encodedSizeBytes: served.byteLength,
    },
  });
  await rm(raw);
}
const checked = parseVolumeTemplates(catalog, "(generated)");
if (!checked.ok) throw new Error(checked.error.message);
await writeFile(join(outDir, "index.json"), JSON.stringify(catalog, null, 2) + "\n");
console.error(`volume templates: ${catalog.templates.map((t) => `${t.sizeMib} MiB (${t.file.encodedSizeBytes} bytes)`).join(", ")}`);
