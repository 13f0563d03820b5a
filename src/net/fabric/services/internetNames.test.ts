import { describe, expect, it } from "vitest";
import { numberToIpv4 } from "../../packets/address.ts";
import { InternetNames, isInternetAddress, publicName } from "./internetNames.ts";

describe("public names", () => {
  it.each([
    ["Example.COM.", "example.com"],
    ["site.localhost", "site.localhost"],
    ["localhost", "localhost"],
    ["_dmarc.mail-1.example.org", "_dmarc.mail-1.example.org"],
  ])("takes %s as %s", (name, expected) => {
    expect(publicName(name)).toBe(expected);
  });

  it.each([
    ["a single label", "intranet"],
    ["a numeric top-level label", "10.0.0.1"],
    ["an empty label", "a..example.com"],
    ["a label ending in '-'", "bad-.example.com"],
    ["a space", "my site.example.com"],
    ["a 64-character label", `${"a".repeat(64)}.com`],
    ["254 characters", `${"a.".repeat(126)}com`],
  ])("refuses %s", (_, name) => {
    expect(publicName(name)).toBeNull();
  });
});

describe("the fabric's table of public names", () => {
  it("gives each name one address of 198.18.0.0/15, the same each time, and knows the name back", () => {
    const names = new InternetNames();
    const site = names.addressOf("site.localhost");
    const other = names.addressOf("example.com");
    expect(site).not.toBeNull();
    expect(names.addressOf("SITE.localhost.")).toBe(site);
    expect(other).not.toBe(site);
    expect([site, other].map((address) => numberToIpv4(address ?? 0))).toEqual(["198.18.0.1", "198.18.0.2"]);
    expect(names.nameOf(other ?? 0)).toBe("example.com");
    expect(names.addressOf("not a name")).toBeNull();
  });

  it("knows the range's addresses from others", () => {
    expect([0xc6120001, 0xc613ffff, 0xc6140000, 0xc611ffff, 0xc6336401].map(isInternetAddress)).toEqual([true, true, false, false, false]);
  });
});
