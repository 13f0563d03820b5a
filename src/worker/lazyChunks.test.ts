import { describe, expect, it } from "vitest";
import type { ChunkPort, ChunkReply, ChunkRequest } from "./api.ts";
import { LazyChunks } from "./lazyChunks.ts";

const CHUNK = 4096;

/** A page that answers each request with chunks filled with their index + 1, and records what it was asked. */
function page(): { port: ChunkPort; asked: number[][] } {
  const asked: number[][] = [];
  const port: ChunkPort = {
    onmessage: null,
    postMessage(request: ChunkRequest) {
      asked.push([...request.indexes]);
      const reply: ChunkReply = {
        id: request.id,
        ok: true,
        chunks: request.indexes.map((index) => [index, new Uint8Array(CHUNK).fill(index + 1)] as const),
      };
      queueMicrotask(() => port.onmessage?.({ data: reply }));
    },
    close() {},
  };
  return { port, asked };
}

describe("a lazily loaded base in the worker", () => {
  it("names the missing chunks a range touches, fetches them once, and then holds their bytes", async () => {
    const base = new Uint8Array(4 * CHUNK);
    const { port, asked } = page();
    const lazy = new LazyChunks(base, { chunkBytes: CHUNK, present: Uint8Array.from([0, 1, 0, 0]), port });
    expect(lazy.missing(CHUNK - 1, 2)).toEqual([0]);
    expect(lazy.missing(CHUNK, CHUNK)).toEqual([]);
    expect(lazy.missing(CHUNK, 2 * CHUNK + 1)).toEqual([2, 3]);
    await Promise.all([lazy.ensure([0, 2]), lazy.ensure([2])]);
    expect(asked).toEqual([[0, 2]]);
    expect(base[0]).toBe(1);
    expect(base[2 * CHUNK]).toBe(3);
    expect(lazy.missing(0, 4 * CHUNK)).toEqual([3]);
  });
});
