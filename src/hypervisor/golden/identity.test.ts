import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EMULATOR_BUILD, goldenIdentity, goldenKey, madeByAnotherHost } from "./identity.ts";

const image = { imageId: "ami-0123456789abcdef0", rootVolumeSizeBytes: 64 * 1024 * 1024 };
const virtio = (macAddress: string) => ({ nic: { type: "virtio" as const, mtu: 1500, macAddress } });

describe("a golden state's identity", () => {
  it("names the emulator build that is installed (bump it with v86)", () => {
    const installed = JSON.parse(readFileSync("node_modules/v86/package.json", "utf8")) as { version: string };
    expect(EMULATOR_BUILD).toBe(`v86@${installed.version}`);
  });

  it("is the same for NICs that differ only in their MAC, which is re-personalised", () => {
    const a = goldenIdentity(image, null, 128, virtio("02:00:00:00:00:01"));
    const b = goldenIdentity(image, null, 128, virtio("02:aa:bb:cc:dd:ee"));
    expect(goldenKey(a)).toBe(goldenKey(b));
  });

  it("differs with the memory size, the NIC, the root snapshot and the disk size", () => {
    const base = goldenKey(goldenIdentity(image, null, 128, virtio("02:00:00:00:00:01")));
    const others = [
      goldenIdentity(image, null, 256, virtio("02:00:00:00:00:01")),
      goldenIdentity(image, null, 128, { nic: { type: "ne2k" } }),
      goldenIdentity(image, null, 128, { nic: { type: "virtio", mtu: 9001, macAddress: "02:00:00:00:00:01" } }),
      goldenIdentity(image, "snap-0123456789abcdef0", 128, virtio("02:00:00:00:00:01")),
      goldenIdentity({ ...image, rootVolumeSizeBytes: 2 * image.rootVolumeSizeBytes }, null, 128, virtio("02:00:00:00:00:01")),
    ].map(goldenKey);
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it("tells a state of another emulator build or agent protocol from one this host made", () => {
    const mine = goldenIdentity(image, null, 128, virtio("02:00:00:00:00:01"));
    expect(madeByAnotherHost(mine)).toBe(false);
    expect(madeByAnotherHost({ ...mine, emulator: "v86@0.0.1" })).toBe(true);
    expect(madeByAnotherHost({ ...mine, agentProtocol: mine.agentProtocol + 1 })).toBe(true);
  });
});
