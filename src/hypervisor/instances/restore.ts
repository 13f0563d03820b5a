/**
 * Brings the fleet back as it was kept: stopped instances stay stopped (hibernated ones resume
 * at their next start), instances that were running boot again from their root volumes while
 * the host's memory holds them, and what a closed tab cut short ends where restoredState says.
 */
import type { FleetStore } from "../../persistence/fleetStore.ts";
import type { HostCapacityLedger } from "../capacity/hostCapacity.ts";
import { instanceFootprintMib } from "../capacity/memoryBudget.ts";
import type { InstanceBuilder } from "./builder.ts";
import { instanceState } from "./instance.ts";
import { readBack, type InstancePersistence } from "./persist.ts";
import { newRuntime, type InstanceRecord } from "./record.ts";
import type { InstanceRegistry } from "./registry.ts";
import { restoredState } from "./restoredState.ts";
import { readSavedState, type SavedState } from "./savedState.ts";
import type { Transitions } from "./transitions.ts";

export interface RestoreContext {
  readonly fleet: FleetStore;
  readonly registry: InstanceRegistry;
  readonly persistence: InstancePersistence;
  readonly capacity: HostCapacityLedger;
  readonly builder: InstanceBuilder;
  readonly transitions: Transitions;
}

/** Restores every kept instance; returns the ids of records that could not be read back, with why. */
export async function restoreFleet(ctx: RestoreContext): Promise<{ instanceId: string; reason: string }[]> {
  const unreadable: { instanceId: string; reason: string }[] = [];
  const records: { record: InstanceRecord; savedAtMs: number }[] = [];
  for (const kept of await ctx.fleet.instances()) {
    const read = readBack(kept);
    if (!read.ok) unreadable.push({ instanceId: read.instanceId, reason: read.reason });
    else records.push({ record: { instance: read.instance, config: read.config, runtime: newRuntime() }, savedAtMs: read.savedAtMs });
  }
  records.sort((a, b) => a.record.instance.launchTime.localeCompare(b.record.instance.launchTime));
  const toBoot: InstanceRecord[] = [];
  for (const { record, savedAtMs } of records) {
    await settle(ctx, record, savedAtMs);
    ctx.registry.add(record);
    if (record.instance.state.name === "pending") toBoot.push(record);
    else ctx.registry.update(record, {});
  }
  let inUseMib = ctx.capacity.memoryInUseMib(toBoot);
  for (const record of toBoot) {
    if (!ctx.capacity.fits(inUseMib, record.instance.memoryMib)) {
      ctx.registry.update(record, {
        state: instanceState("stopped"),
        stateReason: {
          code: "Server.InsufficientInstanceCapacity",
          message: "Server.InsufficientInstanceCapacity: The host's memory budget had no room to boot it again after the reload.",
        },
        statusChecks: { system: "not-applicable", instance: "not-applicable" },
      });
      continue;
    }
    inUseMib += instanceFootprintMib(record.instance.memoryMib);
    ctx.registry.update(record, {});
    void ctx.builder.boot(record, record.runtime.generation);
  }
  return unreadable;
}

/** A stopped instance's saved state; one whose devices cannot be read is dropped, with the reason, and the instance boots afresh. */
async function savedStateOf(ctx: RestoreContext, record: InstanceRecord): Promise<SavedState | null> {
  const { instanceId } = record.instance;
  const stored = await ctx.fleet.hibernation(instanceId);
  if (!stored) return null;
  const saved = readSavedState(stored);
  if (saved.ok) return saved.value;
  await ctx.fleet.deleteHibernation(instanceId).catch(() => undefined);
  const message = `Server.InternalError: ${saved.error.message}`;
  record.instance = { ...record.instance, stateReason: { code: "Server.InternalError", message } };
  return null;
}

/** Ends what the closed tab left under way, as restoredState decides. */
async function settle(ctx: RestoreContext, record: InstanceRecord, savedAtMs: number): Promise<void> {
  const kept = record.instance;
  const { meter } = record.config;
  // Whatever ran until the tab went away was billed until the record was last saved.
  meter.endRun(savedAtMs);
  const restored = restoredState(kept, savedAtMs);
  record.instance = restored.instance;
  switch (restored.kind) {
    case "as-kept":
      if (kept.state.name === "stopped") {
        record.runtime.hibernation = await savedStateOf(ctx, record);
        record.instance = { ...record.instance, hibernated: record.runtime.hibernation !== null };
      }
      // A hibernation the reload cut short may have saved a state the record never pointed to.
      if (kept.state.name === "stopping") await ctx.fleet.deleteHibernation(kept.instanceId).catch(() => undefined);
      if (restored.instance.state.name === "terminated") ctx.registry.forgetLater(record);
      if (restored.instance !== kept) void ctx.persistence.save(record);
      break;
    case "finish-termination":
      await ctx.transitions.deleteVolumesOf(record);
      meter.deleteVolume(savedAtMs);
      void ctx.persistence.save(record);
      ctx.registry.forgetLater(record);
      break;
    case "lost":
      meter.deleteVolume(savedAtMs);
      void ctx.persistence.save(record);
      ctx.registry.forgetLater(record);
      break;
    case "boot":
      break;
  }
}
