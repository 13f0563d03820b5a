/**
 * A reload: a second hypervisor on the first one's database brings the fleet back as it was kept
 * (stopped stays stopped, hibernated resumes at the next start, running boots again), skips a
 * record it cannot read, and boots again only what the host's memory holds.
 */
import { indexedDB } from "fake-indexeddb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OVERLAY_BLOCK_BYTES } from "../../disk/blockOverlay.ts";
import { instanceFootprintMib } from "../capacity/memoryBudget.ts";
import type { StoredInstance } from "../../persistence/database.ts";
import { openPersistence } from "../../persistence/persistence.ts";
import { newResourceId } from "../resourceIds.ts";
import {
  describeOne,
  fakeFleet,
  INSTANCE_STORE_IMAGE_ID,
  isState,
  launchRunning,
  stopped,
  waitForInstance,
  type FakeFleet,
} from "../testing/fakeFleet.ts";
import { SAVED_STATE_BYTES } from "../testing/fakeWorkerHost.ts";

const open: FakeFleet[] = [];
let databaseName = "";

/** A hypervisor on this test's database, as a tab opening the lab again would make. */
async function tab(options: Parameters<typeof fakeFleet>[0] = {}): Promise<FakeFleet> {
  databaseName ||= `tabcloud-restore-${newResourceId("i")}`;
  const fleet = await fakeFleet({ ...options, databaseName });
  open.push(fleet);
  return fleet;
}

/** The tab goes away; what it kept stays in the database. */
async function close(fleet: FakeFleet): Promise<void> {
  open.splice(open.indexOf(fleet), 1);
  await fleet.close();
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((fleet) => fleet.close()));
  const name = databaseName;
  databaseName = "";
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  vi.restoreAllMocks();
});

describe("a reload", () => {
  it("brings back stopped, hibernated and terminated instances as they were, and boots running ones again", async () => {
    const first = await tab();
    const running = await launchRunning(first);
    first.host.workerOf(running.instanceId).write("root", new Map([[1, new Uint8Array(OVERLAY_BLOCK_BYTES).fill(4)]]));
    const kept = await launchRunning(first, { tags: [{ key: "Name", value: "kept" }] });
    await stopped(first, kept.instanceId);
    const hibernated = await launchRunning(first, { hibernationOptions: { configured: true } });
    await stopped(first, hibernated.instanceId, { hibernate: true });
    const gone = await launchRunning(first);
    await first.hypervisor.terminateInstances([gone.instanceId]);
    const wasStopped = describeOne(first.hypervisor, kept.instanceId);
    await close(first);

    const second = await tab();
    expect(describeOne(second.hypervisor, kept.instanceId)).toEqual(wasStopped);
    expect(describeOne(second.hypervisor, gone.instanceId).state.name).toBe("terminated");
    expect(describeOne(second.hypervisor, hibernated.instanceId)).toMatchObject({ state: { name: "stopped" }, hibernated: true });
    expect(second.hypervisor.describeHibernation(hibernated.instanceId)).toEqual({ stateBytes: SAVED_STATE_BYTES });

    const rebooted = await waitForInstance(second.hypervisor, running.instanceId, isState("running"));
    expect(rebooted.stateReason?.code).toBe("Server.HostReload");
    expect(second.host.workerOf(running.instanceId).bootSpec?.rootVolume.writtenBlocks.get(1)?.[0]).toBe(4);

    await second.hypervisor.startInstances([hibernated.instanceId]);
    await waitForInstance(second.hypervisor, hibernated.instanceId, isState("running"));
    expect(second.host.workerOf(hibernated.instanceId).bootSpec?.hibernation?.byteLength).toBe(SAVED_STATE_BYTES);
  });

  it("loses a running instance-store instance: its root lived in the closed tab's memory", async () => {
    const first = await tab();
    const { instanceId } = await launchRunning(first, { imageId: INSTANCE_STORE_IMAGE_ID });
    await close(first);
    const second = await tab();
    expect(describeOne(second.hypervisor, instanceId)).toMatchObject({
      state: { name: "terminated" },
      stateReason: { code: "Server.InternalError", message: expect.stringContaining("instance-store root volume was lost") },
    });
    expect(second.host.workers).toEqual([]);
  });

  it("skips a record it cannot read, saying why, and brings back the rest", async () => {
    const first = await tab();
    const { instanceId } = await launchRunning(first);
    await stopped(first, instanceId);
    await close(first);
    const damaged = "i-0123456789abcdef0";
    const storage = await openPersistence({ name: databaseName });
    await storage.fleet.putInstances([{ version: 2, instance: { instanceId: damaged, state: "flying" } } as StoredInstance]);
    await storage.close();

    const warnings = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const second = await tab();
    expect(warnings).toHaveBeenCalledWith(
      expect.stringMatching(new RegExp(`${damaged} was not brought back: its stored record is not valid`)),
    );
    expect(second.hypervisor.describeInstances().map((instance) => instance.instanceId)).toEqual([instanceId]);
  });

  it("boots again only what the host's memory holds; the rest stays stopped, saying why", async () => {
    const first = await tab();
    const [one, two] = [await launchRunning(first), await launchRunning(first)];
    await close(first);
    // Room for one t3.micro (128 MiB and its emulator), not two.
    const second = await tab({ memoryBudgetMib: 2 * instanceFootprintMib(128) - 1 });
    const states = [one, two].map((instance) => describeOne(second.hypervisor, instance?.instanceId ?? ""));
    expect(states.map((instance) => instance.state.name).sort()).toEqual(["pending", "stopped"]);
    expect(states.find((instance) => instance.state.name === "stopped")?.stateReason?.code).toBe("Server.InsufficientInstanceCapacity");
  });

  it("keeps the host's budgets a person set", async () => {
    const first = await tab();
    await first.hypervisor.setHostCapacity({ memoryBudgetMib: 3000, cpuCores: 3 });
    await close(first);
    const second = await tab({ memoryBudgetMib: 1000, cpuCores: 1 });
    expect(second.hypervisor.describeHostCapacity()).toMatchObject({ memoryBudgetMib: 3000, cpuBudgetPct: 300 });
  });
});
