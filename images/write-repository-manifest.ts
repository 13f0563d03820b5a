/**
 * Lists an apt archive's files in its repository.json:
 *   node --import tsx images/write-repository-manifest.ts <archive dir>
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseRepositoryManifest, type RepositoryManifest } from "../src/images/aptRepositoryManifest.ts";
import { sha256Hex } from "../src/images/sha256.ts";

async function main(): Promise<void> {
  const [dir] = process.argv.slice(2);
  if (!dir) throw new Error("usage: write-repository-manifest.ts <archive dir>");
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .filter((path) => path.startsWith("dists/") || path.startsWith("pool/"))
    .sort();
  const files: RepositoryManifest["files"] = [];
  for (const path of paths) {
    const bytes = await readFile(join(dir, path));
    files.push({ path, sizeBytes: bytes.length, sha256: await sha256Hex(bytes) });
  }
  const manifest: RepositoryManifest = {
    schemaVersion: 1,
    host: "deb.debian.org",
    rootPath: "/debian/",
    description: "A curated part of Debian 12 (bookworm) for i386, signed by a key the Debian image trusts.",
    files,
  };
  const checked = parseRepositoryManifest(manifest, "(generated)");
  if (!checked.ok) throw new Error(checked.error.message);
  await writeFile(join(dir, "repository.json"), JSON.stringify(manifest, null, 1) + "\n");
  const total = files.reduce((sum, file) => sum + file.sizeBytes, 0);
  console.error(`repository.json: ${files.length} files, ${(total / 1024 / 1024).toFixed(1)} MiB`);
}

await main();
