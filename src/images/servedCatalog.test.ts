/** The catalog as served: what the Images page shows of each image, and which one a launch defaults to. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseCatalog, parseManifest, type ImageManifest } from "./manifest.ts";

const IMAGES = new URL("../../public/images/", import.meta.url);

async function served(): Promise<ImageManifest[]> {
  const catalog = parseCatalog(JSON.parse(await readFile(new URL("index.json", IMAGES), "utf8")), "index.json");
  if (!catalog.ok) throw new Error(catalog.error.message);
  return Promise.all(
    catalog.value.images.map(async (entry) => {
      const manifest = parseManifest(JSON.parse(await readFile(new URL(entry.manifest, IMAGES), "utf8")), entry.manifest);
      if (!manifest.ok) throw new Error(manifest.error.message);
      return manifest.value;
    }),
  );
}

describe("the served catalog", () => {
  it("offers tabcloud Linux first (a launch without an image boots it), then Debian and the images with an application", async () => {
    const images = await served();
    expect(images[0]?.name).toBe("tabcloud-linux-1.0.0-i686");
    expect(images.map((image) => image.name)).toEqual(
      expect.arrayContaining([
        "debian-12-i386-tabcloud",
        "debian-12-web-i386-tabcloud",
        "tabcloud-linux-web-1.0.0-i686",
        "tabcloud-linux-1.0.0-i686-instance-store",
      ]),
    );
  });

  it("says of every image its OS, architecture, boot mode and what is installed", async () => {
    for (const image of await served()) {
      expect(`${image.distribution} ${image.version}`).toMatch(/^(tabcloud Linux 1\.0\.0|Debian 12)$/);
      expect(image.architecture).toBe("i386");
      expect(["ebs", "instance-store"]).toContain(image.rootDeviceType);
      expect(image.software?.length).toBeGreaterThan(0);
      expect(image.description.length).toBeGreaterThan(40);
    }
  });

  it("serves the Debian images' disks in chunks, small enough that a boot need not fetch the whole disk", async () => {
    for (const image of (await served()).filter((candidate) => candidate.distribution === "Debian")) {
      const disk = image.files.rootVolume;
      expect(disk.encoding).toBe("chunked");
      if (disk.encoding !== "chunked") continue;
      expect(disk.chunkBytes).toBe(128 * 1024);
      expect(disk.chunks.filter((chunk) => chunk === null).length).toBeGreaterThan(disk.chunks.length / 2);
    }
  });
});
