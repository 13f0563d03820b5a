import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { StoredBlob } from "../persistence/database.ts";
import { AptMirror } from "./aptMirror.ts";
import type { ImageFetcher } from "./imageLoader.ts";
import { sha256Hex } from "./sha256.ts";

const BASE = "https://lab.test/apt/debian/";

async function archive(files: Record<string, Uint8Array<ArrayBuffer>>): Promise<Map<string, Uint8Array>> {
  const served = new Map(Object.entries(files).map(([path, bytes]) => [`${BASE}${path}`, bytes]));
  const manifest = {
    schemaVersion: 1,
    host: "deb.debian.org",
    rootPath: "/debian/",
    description: "test",
    files: await Promise.all(
      Object.entries(files).map(async ([path, bytes]) => ({ path, sizeBytes: bytes.length, sha256: await sha256Hex(bytes) })),
    ),
  };
  served.set(`${BASE}repository.json`, new TextEncoder().encode(JSON.stringify(manifest)));
  return served;
}

function store() {
  const blobs = new Map<string, StoredBlob>();
  return {
    blobs,
    blob: async (sha256: string) => blobs.get(sha256)?.bytes,
    putBlobs: async (list: readonly StoredBlob[]) => void list.forEach((blob) => blobs.set(blob.sha256, blob)),
    present: async (shas: readonly string[]) => new Set(shas.filter((sha) => blobs.has(sha))),
  };
}

const fetcherOf =
  (served: Map<string, Uint8Array>, online: () => boolean = () => true): ImageFetcher =>
  async (url) => {
    if (!online()) throw new TypeError("Failed to fetch");
    const body = served.get(url);
    return body ? new Response(body.slice()) : new Response(null, { status: 404 });
  };

describe("the offline apt archive", () => {
  it("serves a listed file as it was served, a .gz not decompressed, and says where guests reach it", async () => {
    const gz = new Uint8Array(gzipSync(new TextEncoder().encode("Package: jq\n")));
    const mirror = new AptMirror(`${BASE}repository.json`, fetcherOf(await archive({ "dists/bookworm/Contents.gz": gz })), store());
    expect(await mirror.address()).toEqual({ host: "deb.debian.org", rootPath: "/debian/" });
    const reply = await mirror.get("dists/bookworm/Contents.gz");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(gz);
    expect((await mirror.get("pool/main/nginx_1.0_i386.deb")).status).toBe(404);
  });

  it("keeps every file once downloaded, and serves them with the network off", async () => {
    let online = true;
    const deb = new TextEncoder().encode("!<arch>\ndebian-binary");
    const cache = store();
    const mirror = new AptMirror(
      `${BASE}repository.json`,
      fetcherOf(await archive({ "pool/main/tree_2.1.0-1_i386.deb": deb }), () => online),
      cache,
    );
    const progress: number[] = [];
    expect((await mirror.downloadAll((p) => progress.push(p.loadedBytes))).ok).toBe(true);
    expect(progress.at(-1)).toBe(deb.length);
    online = false;
    const offline = new AptMirror(
      `${BASE}repository.json`,
      fetcherOf(new Map(), () => online),
      cache,
    );
    const reply = await offline.get("pool/main/tree_2.1.0-1_i386.deb");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(deb);
  });

  it("answers 503 with what to do for a file it neither holds nor can download, and never serves a corrupt one", async () => {
    const served = await archive({ "pool/main/jq_1.6_i386.deb": new Uint8Array([1, 2, 3]) });
    served.set(`${BASE}pool/main/jq_1.6_i386.deb`, new Uint8Array([9, 9, 9]));
    const cache = store();
    const reply = await new AptMirror(`${BASE}repository.json`, fetcherOf(served), cache).get("pool/main/jq_1.6_i386.deb");
    expect(reply.status).toBe(503);
    expect(new TextDecoder().decode(reply.body)).toMatch(/does not match its manifest.*make a Debian image available offline/s);
    expect([...cache.blobs.keys()].filter((key) => !key.startsWith("apt-repository"))).toEqual([]);
  });
});
