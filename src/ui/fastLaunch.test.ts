import { describe, expect, it } from "vitest";
import { INSTANCE_TYPES, type FastLaunchImage, type GoldenStateSummary } from "../hypervisor/index.ts";
import { bootSnapshotFor, bootSnapshots, fastLaunchButtons, fastLaunchStatus } from "./fastLaunch.ts";

const snapshot = (memoryMib: number, nic = "virtio mtu=1500"): GoldenStateSummary => ({
  imageId: "ami-0123456789abcdef0",
  memoryMib,
  nic,
  sizeBytes: 9_000_000,
  rawBytes: 140_000_000,
  createdAt: "2026-12-01T10:00:00.000Z",
});

const image = (state: FastLaunchImage["state"], goldenStates: GoldenStateSummary[] = [], making = false): FastLaunchImage => ({
  imageId: "ami-0123456789abcdef0",
  state,
  making,
  goldenStates,
});

describe("fastLaunchStatus", () => {
  it.each([
    ["on", image("enabled"), undefined, "on", "On", "ok"],
    ["off", image("disabled"), undefined, "off", "Off", "idle"],
    ["made after a first launch", image("enabled", [], true), undefined, "making", "Making boot snapshot…", "warn"],
    ["being enabled", image("disabled"), "enabling", "making", "Making boot snapshot…", "warn"],
    ["being disabled while one is made", image("enabled", [], true), "disabling", "turning-off", "Turning off…", "warn"],
    ["not read yet", undefined, undefined, "off", "Off", "idle"],
  ] as const)("%s", (_, fastLaunch, action, kind, label, tone) => {
    expect(fastLaunchStatus(fastLaunch, action)).toEqual({ kind, label, tone });
  });
});

describe("bootSnapshotFor", () => {
  it("names the instance types of that memory", () => {
    expect(bootSnapshotFor(snapshot(128), INSTANCE_TYPES)).toBe("128 MiB (t3.micro)");
    const types = INSTANCE_TYPES.filter((type) => type.memoryMib === 512).map((type) => type.name);
    expect(bootSnapshotFor(snapshot(512), INSTANCE_TYPES)).toBe(`512 MiB (${types.join(", ")})`);
  });

  it("says MiB alone when no type has that memory, and when the snapshot has no network", () => {
    expect(bootSnapshotFor(snapshot(100), INSTANCE_TYPES)).toBe("100 MiB");
    expect(bootSnapshotFor(snapshot(64, "none"), INSTANCE_TYPES)).toBe("64 MiB (t3.nano), no network");
  });
});

describe("bootSnapshots", () => {
  it("lists smallest memory first", () => {
    const listed = bootSnapshots(image("enabled", [snapshot(256), snapshot(64), snapshot(128)]));
    expect(listed.map((state) => state.memoryMib)).toEqual([64, 128, 256]);
  });
});

describe("fastLaunchButtons", () => {
  it.each([
    ["off, files here", image("disabled"), true, ["enable"]],
    ["off, files not here (enabling boots them)", image("disabled"), false, []],
    ["on without the default type's snapshot", image("enabled", [snapshot(64)]), true, ["make-snapshot", "disable"]],
    ["on without it, files not here", image("enabled"), false, ["disable"]],
    ["on with a NIC-less one only", image("enabled", [snapshot(128, "none")]), true, ["make-snapshot", "disable"]],
    ["on with it", image("enabled", [snapshot(128)]), true, ["disable"]],
    ["on while one is made", image("enabled", [], true), true, ["disable"]],
    ["not read yet", undefined, true, []],
  ] as const)("%s", (_, fastLaunch, filesHere, buttons) => {
    expect(fastLaunchButtons(fastLaunch, filesHere, 128)).toEqual(buttons);
  });
});
