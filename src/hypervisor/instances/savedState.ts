/**
 * A hibernated instance's saved state with the devices it was saved on. v86 restores each device
 * from the state, so a state resumes only on the same devices: the record of them is kept with
 * the state, versioned, and read back before a resume. States kept before devices were recorded
 * were all saved on v86's default ne2k NIC, unplugged: they resume on it, without a network
 * (the instance gets its NIC at its next stop and start).
 */
import * as v from "valibot";
import type { StoredHibernation } from "../../persistence/database.ts";
import { fail, ok, type Result } from "../../shared/errors.ts";
import type { EmulatorDevices } from "../../worker/api.ts";
import { describeNic, devicesFor, LEGACY_DEVICES, resumeRefusal } from "../../worker/emulatorDevices.ts";

export interface SavedState {
  /** gzip-compressed v86 state. */
  readonly state: ArrayBuffer;
  readonly devices: EmulatorDevices;
}

/** Version 1: the NIC (type; MTU and MAC for virtio-net). */
const DEVICES_RECORD_VERSION = 1;

const DevicesRecordSchema = v.object({
  version: v.literal(DEVICES_RECORD_VERSION),
  nic: v.variant("type", [
    v.object({ type: v.literal("ne2k") }),
    v.object({ type: v.literal("virtio"), mtu: v.pipe(v.number(), v.integer()), macAddress: v.string() }),
  ]),
});

/** The devices a state was saved with, as kept beside it (versioned). */
export function devicesRecord(devices: EmulatorDevices): unknown {
  return { version: DEVICES_RECORD_VERSION, nic: devices.nic };
}

/** The devices as kept, or null when the record cannot be read (a later version's, or damaged). */
export function readDevicesRecord(record: unknown): EmulatorDevices | null {
  const parsed = v.safeParse(DevicesRecordSchema, record);
  if (!parsed.success) return null;
  const { nic } = parsed.output;
  return { nic: nic.type === "ne2k" ? { type: "ne2k" } : nic };
}

export function keptState(saved: SavedState): StoredHibernation {
  return { state: saved.state, devices: devicesRecord(saved.devices) };
}

/** The saved state as kept, or why its device record cannot be read (a later version's, or damaged). */
export function readSavedState(kept: StoredHibernation): Result<SavedState> {
  if (kept.devices === null || kept.devices === undefined) return ok({ state: kept.state, devices: LEGACY_DEVICES });
  const devices = readDevicesRecord(kept.devices);
  if (!devices) {
    return fail(
      "IncorrectInstanceState",
      "The saved state's record of its devices cannot be read; the instance boots afresh from its volume.",
    );
  }
  return ok({ state: kept.state, devices });
}

/**
 * Whether the resumed emulator gets its network: true (plugged, on the same virtio-net NIC), false
 * (a state saved on the unplugged ne2k resumes on it, without a network), or why it cannot resume
 * (its NIC's MAC or MTU differs from the interface's now).
 */
export function networkOnResume(
  saved: EmulatorDevices,
  networkInterface: { readonly macAddress: string; readonly mtu: number } | null,
): Result<boolean> {
  if (saved.nic.type === "ne2k") return ok(false);
  if (!networkInterface) {
    return fail(
      "IncorrectInstanceState",
      `The saved state was taken with ${describeNic(saved.nic)}, and the instance has no network interface now.`,
    );
  }
  const refusal = resumeRefusal(saved, devicesFor(networkInterface));
  return refusal ? fail("IncorrectInstanceState", refusal) : ok(true);
}
