import { describe, expect, it } from "vitest";
import { parsePublicRoute, publicRouteUrl } from "./publicRoute.ts";

describe("a public address route", () => {
  it.each([
    ["54.10.0.9/80/", { publicIp: "54.10.0.9", port: 80, path: "/" }],
    ["54.10.0.9/80", { publicIp: "54.10.0.9", port: 80, path: "/" }],
    ["3.0.0.1/8080/a/b.html?x=1", { publicIp: "3.0.0.1", port: 8080, path: "/a/b.html?x=1" }],
  ])("%s names an address, a port and a path", (url, expected) => {
    expect(parsePublicRoute(url)).toEqual(expected);
  });

  it.each(["", "54.10.0.9", "54.10.0/80/", "256.1.1.1/80/", "54.10.0.9/0/", "54.10.0.9/65536/", "54.10.0.9/http/", "a.b.c.d/80/"])(
    "%s names none",
    (url) => {
      expect(parsePublicRoute(url)).toBeNull();
    },
  );

  it("links round-trip", () => {
    expect(parsePublicRoute(publicRouteUrl("54.10.0.9", 80, "index.html").slice("vpc/".length))).toEqual({
      publicIp: "54.10.0.9",
      port: 80,
      path: "/index.html",
    });
  });
});
