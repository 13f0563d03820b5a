import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  baseName,
  isDiskFull,
  isTarArchive,
  joinGuestPath,
  parentOf,
  parseDfAvailableKib,
  parseFileName,
  parseGuestPath,
  parseStat,
  partPath,
  planChunks,
  readChunkCommand,
  shellQuote,
} from "./transferPlan.ts";

describe("transfer planning", () => {
  it("splits a file into parts that cover it exactly, in order", () => {
    expect(planChunks(0, 10)).toEqual([{ offset: 0, length: 0 }]);
    expect(planChunks(10, 10)).toEqual([{ offset: 0, length: 10 }]);
    expect(planChunks(25, 10)).toEqual([
      { offset: 0, length: 10 },
      { offset: 10, length: 10 },
      { offset: 20, length: 5 },
    ]);
    const parts = planChunks(50 * 1024 * 1024 + 3, 160 * 1024);
    expect(parts.reduce((sum, part) => sum + part.length, 0)).toBe(50 * 1024 * 1024 + 3);
    expect(() => planChunks(-1, 10)).toThrow(RangeError);
    expect(() => planChunks(10, 0)).toThrow(RangeError);
  });

  it("quotes any path so that sh reads it back unchanged", () => {
    const names = ["plain", "with space", "it's", "'';'", "$(reboot)", "`id`", "a\\b", "*?[x]", "-rf", "ünï ☃", '"q"'];
    for (const name of names) {
      // printf through a real sh: what the guest's shell would see.
      expect(execFileSync("sh", ["-c", `printf %s ${shellQuote(name)}`]).toString()).toBe(name);
    }
  });

  it("takes absolute guest paths, tidied, and refuses the rest", () => {
    expect(parseGuestPath("/root")).toBe("/root");
    expect(parseGuestPath("/root//files/./")).toBe("/root/files");
    expect(parseGuestPath("/")).toBe("/");
    expect(() => parseGuestPath("root")).toThrow(/absolute/);
    expect(() => parseGuestPath("/a\nb")).toThrow(/line break/);
    expect(() => parseGuestPath("/a/../etc")).toThrow(/\.\./);
    expect(() => parseGuestPath(`/${"a".repeat(5000)}`)).toThrow(/longer/);
  });

  it("takes one path component as a file name", () => {
    expect(parseFileName("report 1.pdf")).toBe("report 1.pdf");
    for (const bad of ["", ".", "..", "a/b", "a\nb", "x".repeat(256)]) expect(() => parseFileName(bad)).toThrow();
  });

  it("keeps the part file hidden beside its target", () => {
    expect(joinGuestPath("/", "a")).toBe("/a");
    expect(joinGuestPath("/root", "a")).toBe("/root/a");
    expect(partPath("/root/data.bin")).toBe("/root/.data.bin.tabcloud-part");
    expect(partPath("/data.bin")).toBe("/.data.bin.tabcloud-part");
    expect(parentOf("/root/x")).toBe("/root");
    expect(parentOf("/x")).toBe("/");
    expect(baseName("/root/x")).toBe("x");
  });

  it("reads a part by block number", () => {
    expect(readChunkCommand("/root/a b", { offset: 512, length: 256 }, 256)).toBe("dd if='/root/a b' bs=256 skip=2 count=1 2>/dev/null");
    expect(() => readChunkCommand("/x", { offset: 100, length: 256 }, 256)).toThrow(RangeError);
  });

  it("reads df's free space, stat's answer and a full disk's error", () => {
    expect(parseDfAvailableKib("/dev/root  59365  6100  50201  11% /\n")).toBe(50201);
    expect(parseDfAvailableKib("Filesystem 1024-blocks Used Available Capacity Mounted on")).toBeNull();
    expect(parseStat("f 1234\n")).toEqual({ kind: "file", sizeBytes: 1234 });
    expect(parseStat("d 0")).toEqual({ kind: "directory", sizeBytes: 0 });
    expect(parseStat("o 0")).toEqual({ kind: "other", sizeBytes: 0 });
    expect(parseStat("")).toBeNull();
    expect(isDiskFull("cat: write error: No space left on device")).toBe(true);
    expect(isDiskFull("cat: can't open '/x': Permission denied")).toBe(false);
  });

  it("knows a tar archive by its ustar header", () => {
    const header = new Uint8Array(512);
    header.set(new TextEncoder().encode("ustar"), 257);
    expect(isTarArchive(header)).toBe(true);
    expect(isTarArchive(new Uint8Array(512))).toBe(false);
    expect(isTarArchive(new Uint8Array(10))).toBe(false);
  });
});
