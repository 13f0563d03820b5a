import { describe, expect, it } from "vitest";
import { isInstanceId, newInstanceId } from "./instanceId.ts";

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
