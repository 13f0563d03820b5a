/**
 * Writes public/images/index.json, the list of images the app offers, from the manifests found there:
 *   node --import tsx images/write-catalog.ts public/images
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseManifest, type ImageCatalog } from "../src/images/manifest.ts";

const [imagesDir] = process.argv.slice(2);
if (!imagesDir) throw new Error("usage: write-catalog.ts <images dir>");
/** The catalog's first image is what a launch without an image id boots: the small, fast one. */
const DEFAULT_IMAGE_DIR = "tabcloud-linux";
const catalog: ImageCatalog = { images: [] };
const byName = (a: { name: string }, b: { name: string }) =>
  a.name === DEFAULT_IMAGE_DIR ? -1 : b.name === DEFAULT_IMAGE_DIR ? 1 : a.name.localeCompare(b.name);
for (const entry of (await readdir(imagesDir, { withFileTypes: true })).sort(byName)) {
  if (!entry.isDirectory() || entry.name === "volumes" || entry.name === "chunks") continue;
  // manifest.json first (the directory's main image, and the catalog's default), then its variants.
  const names = (await readdir(join(imagesDir, entry.name))).filter((name) => /^manifest(\.[a-z0-9-]+)?\.json$/.test(name));
  names.sort((a, b) => (a === "manifest.json" ? -1 : b === "manifest.json" ? 1 : a.localeCompare(b)));
  for (const name of names) {
    const path = `${entry.name}/${name}`;
    const manifest = parseManifest(JSON.parse(await readFile(join(imagesDir, path), "utf8")), path);
    if (!manifest.ok) throw new Error(manifest.error.message);
    catalog.images.push({ imageId: manifest.value.imageId, name: manifest.value.name, manifest: path });
  }
}
await writeFile(join(imagesDir, "index.json"), JSON.stringify(catalog, null, 2) + "\n");
