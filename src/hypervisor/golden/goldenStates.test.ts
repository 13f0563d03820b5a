import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ImageManifest } from "../../images/manifest.ts";
import type { Persistence } from "../../persistence/persistence.ts";
import type { EmulatorDevices } from "../../worker/api.ts";
import { testPersistence } from "../testing/records.ts";
import { GoldenStates } from "./goldenStates.ts";
import { goldenIdentity, goldenKey } from "./identity.ts";
import type { MadeGolden } from "./goldenMaker.ts";

const image = { imageId: "ami-0123456789abcdef0", rootVolumeSizeBytes: 64 * 1024 * 1024 } as ImageManifest;
const devices: EmulatorDevices = { nic: { type: "virtio", mtu: 1500, macAddress: "02:00:00:00:00:01" } };
const identity = goldenIdentity(image, null, 128, devices);

describe("the golden states kept in this browser", () => {
  let storage: Persistence;
  let makes: number;
  let make: () => Promise<MadeGolden>;
  let goldens: GoldenStates;

  beforeEach(async () => {
    storage = await testPersistence();
    makes = 0;
    make = async () => ({ state: new Uint8Array([1, 2, 3, 4]).buffer, rawBytes: 40, devices, bootConsole: "booted\r\n", agentVersion: 2 });
    goldens = new GoldenStates({
      enabled: true,
      store: storage.goldenStates,
      settings: storage.fleet,
      make: () => (makes++, make()),
      changed: () => undefined,
    });
    await goldens.load(new Set([image.imageId]));
  });
  afterEach(() => storage.close());

  it("makes one once, however many launches want it, and finds it checked", async () => {
    await Promise.all([goldens.want(image, identity, devices), goldens.want(image, identity, devices)]);
    await goldens.want(image, identity, devices);
    expect(makes).toBe(1);
    const found = await goldens.find(identity);
    expect(found.kind).toBe("found");
    if (found.kind === "found") expect(found.golden.bootConsole).toBe("booted\r\n");
    // How the clone is told who it is depends on the agent saved in it.
    if (found.kind === "found") expect(found.golden.agentVersion).toBe(2);
    expect(await goldens.list()).toEqual([expect.objectContaining({ imageId: image.imageId, memoryMib: 128, sizeBytes: 4, rawBytes: 40 })]);
  });

  it("finds none for another identity", async () => {
    await goldens.want(image, identity, devices);
    expect((await goldens.find({ ...identity, memoryMib: 256 })).kind).toBe("none");
  });

  it("refuses and removes one whose bytes no longer match their checksum", async () => {
    await goldens.want(image, identity, devices);
    const key = goldenKey(identity);
    const record = await storage.goldenStates.record(key);
    if (!record) throw new Error("not stored");
    await storage.goldenStates.put(record, new Uint8Array([1, 2, 3, 5]).buffer);
    expect(await goldens.find(identity)).toEqual({ kind: "refused", reason: expect.stringContaining("checksum") });
    expect(await storage.goldenStates.record(key)).toBeUndefined();
  });

  it("remembers why a make failed, and keeps nothing", async () => {
    make = () => Promise.reject(new Error("its guest agent did not answer"));
    await goldens.want(image, identity, devices);
    expect(goldens.failure(identity)).toContain("did not answer");
    expect(await goldens.list()).toEqual([]);
  });

  it("makes and finds none for an image whose fast launch is off, which deletes its states, and again once it is on", async () => {
    await goldens.want(image, identity, devices);
    expect(await goldens.setFastLaunch(image.imageId, false)).toBe(4);
    expect(await goldens.list()).toEqual([]);
    await goldens.want(image, identity, devices);
    expect(makes).toBe(1);
    expect((await goldens.describe([image.imageId]))[0]).toMatchObject({ state: "disabled", goldenStates: [] });
    await goldens.setFastLaunch(image.imageId, true);
    await goldens.want(image, identity, devices);
    expect((await goldens.find(identity)).kind).toBe("found");
  });

  it("drops the states of an image that is gone, or of another emulator build, when loaded", async () => {
    await goldens.want(image, identity, devices);
    const other = { ...identity, imageId: "ami-0fedcba9876543210" };
    await storage.goldenStates.put(
      {
        key: goldenKey(other),
        imageId: other.imageId,
        identity: other,
        devices: null,
        sizeBytes: 1,
        rawBytes: 1,
        sha256: "",
        createdAt: "",
        bootConsole: "",
      },
      new ArrayBuffer(1),
    );
    await goldens.load(new Set([image.imageId]));
    expect((await goldens.list()).map((state) => state.imageId)).toEqual([image.imageId]);
    await goldens.load(new Set());
    expect(await goldens.list()).toEqual([]);
  });

  it("makes none on a host where fast launch is off", async () => {
    const off = new GoldenStates({ enabled: false, store: storage.goldenStates, settings: storage.fleet, make, changed: () => undefined });
    await off.want(image, identity, devices);
    expect(await off.list()).toEqual([]);
    expect(off.available).toBe(false);
  });
});
