/**
 * A hibernated instance's state is kept with the devices it was saved on, and resumes only on
 * them: states kept before devices were recorded resume on v86's ne2k without a network, one
 * whose device record cannot be read is dropped and the instance boots afresh.
 */
import { indexedDB } from "fake-indexeddb";
import { afterEach, describe, expect, it } from "vitest";
import { openTabcloudDatabase } from "../../persistence/database.ts";
import type { EmulatorDevices } from "../../worker/api.ts";
import { newResourceId } from "../resourceIds.ts";
import { describeOne, fakeFleet, isState, launchRunning, stopped, waitForInstance, type FakeFleet } from "../testing/fakeFleet.ts";
import { SAVED_STATE_BYTES } from "../testing/fakeWorkerHost.ts";
import { keptState, networkOnResume, readSavedState } from "./savedState.ts";

const VIRTIO: EmulatorDevices = { nic: { type: "virtio", mtu: 1500, macAddress: "02:1a:2b:3c:4d:5e" } };
const NE2K: EmulatorDevices = { nic: { type: "ne2k" } };
const state = new Uint8Array([1, 2, 3]).buffer;

describe("the devices kept with a saved state", () => {
  it.each([
    ["virtio-net", VIRTIO],
    ["ne2k", NE2K],
  ])("read back as they were saved (%s)", (_, devices) => {
    expect(readSavedState(keptState({ state, devices }))).toEqual({ ok: true, value: { state, devices } });
  });

  it("are v86's unplugged ne2k for a state kept before they were recorded", () => {
    expect(readSavedState({ state, devices: null })).toEqual({ ok: true, value: { state, devices: NE2K } });
  });

  it.each([
    ["a later version", { version: 2, nic: { type: "virtio", mtu: 1500, macAddress: "02:1a:2b:3c:4d:5e" } }],
    ["an unknown NIC", { version: 1, nic: { type: "e1000" } }],
    ["a virtio-net NIC without its MAC", { version: 1, nic: { type: "virtio", mtu: 1500 } }],
    ["garbage", "ne2k"],
  ])("are refused, saying so, when they are %s", (_, devices) => {
    expect(readSavedState({ state, devices })).toMatchObject({ ok: false, error: { message: expect.stringContaining("cannot be read") } });
  });
});

describe("networkOnResume", () => {
  const eni = { macAddress: "02:1a:2b:3c:4d:5e", mtu: 1500 };
  it.each([
    ["ne2k, with an interface", NE2K, eni, { ok: true, value: false }],
    ["ne2k, without one", NE2K, null, { ok: true, value: false }],
    ["virtio-net, the same interface", VIRTIO, eni, { ok: true, value: true }],
  ])("resumes a state saved on %s", (_, saved, networkInterface, expected) => {
    expect(networkOnResume(saved, networkInterface)).toEqual(expected);
  });

  it.each([
    [
      "another MAC",
      { ...eni, macAddress: "02:00:00:00:00:01" },
      "MAC 02:1a:2b:3c:4d:5e and MTU 1500 and cannot resume on a virtio-net NIC with MAC 02:00:00:00:00:01",
    ],
    ["another MTU", { ...eni, mtu: 9001 }, "cannot resume on a virtio-net NIC with MAC 02:1a:2b:3c:4d:5e and MTU 9001"],
    ["no interface", null, "the instance has no network interface now"],
  ])("refuses a state saved on virtio-net with %s", (_, networkInterface, reason) => {
    expect(networkOnResume(VIRTIO, networkInterface)).toMatchObject({
      ok: false,
      error: { code: "IncorrectInstanceState", message: expect.stringContaining(reason) },
    });
  });
});

describe("a hibernated instance after a reload", () => {
  const open: FakeFleet[] = [];
  let databaseName = "";

  async function tab(): Promise<FakeFleet> {
    databaseName ||= `tabcloud-saved-state-${newResourceId("i")}`;
    const fleet = await fakeFleet({ databaseName });
    open.push(fleet);
    return fleet;
  }

  async function hibernatedIn(fleet: FakeFleet): Promise<string> {
    const { instanceId } = await launchRunning(fleet, { hibernationOptions: { configured: true } });
    await stopped(fleet, instanceId, { hibernate: true });
    await Promise.all(open.splice(0).map((each) => each.close()));
    return instanceId;
  }

  /** Replaces what is kept for the instance's state, as an older version or a damaged store left it. */
  async function keep(instanceId: string, value: ArrayBuffer | { state: ArrayBuffer; devices: unknown }): Promise<void> {
    const db = await openTabcloudDatabase({ name: databaseName });
    await db.put("hibernations", value, instanceId);
    db.close();
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((fleet) => fleet.close()));
    const name = databaseName;
    databaseName = "";
    await new Promise<void>((resolve) => {
      const request = indexedDB.deleteDatabase(name);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
  });

  it("resumes on the devices its state was saved with", async () => {
    const first = await tab();
    first.host.script.hibernate = () => ({
      ok: true,
      value: { state: new Uint8Array(SAVED_STATE_BYTES).buffer, rawBytes: 1024, saveMs: 1, devices: VIRTIO },
    });
    const instanceId = await hibernatedIn(first);
    const second = await tab();
    await second.hypervisor.startInstances([instanceId]);
    await waitForInstance(second.hypervisor, instanceId, isState("running"));
    const spec = second.host.workerOf(instanceId).bootSpec;
    expect(spec?.hibernation?.byteLength).toBe(SAVED_STATE_BYTES);
    expect(spec?.hibernationDevices).toEqual(VIRTIO);
  });

  it("resumes a state kept before devices were recorded on v86's ne2k, without a network", async () => {
    const instanceId = await hibernatedIn(await tab());
    await keep(instanceId, new Uint8Array(SAVED_STATE_BYTES).fill(7).buffer);
    const second = await tab();
    expect(describeOne(second.hypervisor, instanceId)).toMatchObject({ state: { name: "stopped" }, hibernated: true });
    await second.hypervisor.startInstances([instanceId]);
    await waitForInstance(second.hypervisor, instanceId, isState("running"));
    const spec = second.host.workerOf(instanceId).bootSpec;
    expect(spec?.hibernation?.byteLength).toBe(SAVED_STATE_BYTES);
    expect(spec?.hibernationDevices).toEqual(NE2K);
    expect(spec?.network).toBeUndefined();
  });

  it("drops a state whose device record cannot be read, says why, and boots the instance afresh", async () => {
    const instanceId = await hibernatedIn(await tab());
    await keep(instanceId, { state: new Uint8Array(SAVED_STATE_BYTES).buffer, devices: { version: 99 } });
    const second = await tab();
    expect(describeOne(second.hypervisor, instanceId)).toMatchObject({
      state: { name: "stopped" },
      hibernated: false,
      stateReason: { code: "Server.InternalError", message: expect.stringContaining("record of its devices cannot be read") },
    });
    expect(second.hypervisor.describeHibernation(instanceId)).toBeNull();
    await second.hypervisor.startInstances([instanceId]);
    await waitForInstance(second.hypervisor, instanceId, isState("running"));
    expect(second.host.workerOf(instanceId).bootSpec?.hibernation).toBeUndefined();
  });
});
