import { describe, expect, it } from "vitest";
import { isInstanceId, isResourceId, newInstanceId, newResourceId } from "./resourceIds.ts";

describe("instance ids", () => {
  it("look like EC2's: i- and 17 lower-case hex digits", () => {
    for (let i = 0; i < 100; i++) expect(newInstanceId()).toMatch(/^i-[0-9a-f]{17}$/);
  });

  it("are different each time", () => {
    expect(new Set(Array.from({ length: 1000 }, () => newInstanceId())).size).toBe(1000);
  });

  it.each(["i-123", "i-0123456789ABCDEF0", "x-0123456789abcdef0", "", "i-0123456789abcdef01"])("rejects %j", (id) => {
    expect(isInstanceId(id)).toBe(false);
  });
});

describe("volume, snapshot and image ids", () => {
  it("use EC2's prefixes and are checked against their own kind", () => {
    const volume = newResourceId("vol");
    expect(volume).toMatch(/^vol-[0-9a-f]{17}$/);
    expect(isResourceId("vol", volume)).toBe(true);
    expect(isResourceId("snap", volume)).toBe(false);
    expect(isResourceId("snap", "snap-0123456789abcdef")).toBe(false);
  });
});
