/**
 * What a golden state depends on: a state restores only into an emulator with the same memory,
 * devices and firmware, over the same disk, and it is only worth restoring if the guest inside
 * speaks the host's agent protocol. Everything here goes into the key it is stored under, so a
 * change to any part of it means the stored state is not found (and is pruned), never restored.
 * Pure.
 */
import type { ImageManifest } from "../../images/manifest.ts";
import type { EmulatorDevices } from "../../worker/api.ts";

/**
 * The emulator build whose state format golden states are in. v86 states carry their own
 * version, but a newer build may still read an older state wrongly: states are kept per build.
 * goldenIdentity.test.ts checks it against the installed v86.
 */
export const EMULATOR_BUILD = "v86@0.5.462+g5f9a90f";
/** The agent protocol the host speaks (src/guest/protocol.ts); re-personalising needs it. */
const AGENT_PROTOCOL = 1;

export interface GoldenIdentity {
  readonly imageId: string;
  /** An image made here boots from its file with a snapshot's blocks over it. */
  readonly rootSnapshotId: string | null;
  readonly rootVolumeSizeBytes: number;
  readonly memoryMib: number;
  /** "none" (the unplugged ne2k) or "virtio mtu=<n>": the MAC is re-personalised, so it is not part of it. */
  readonly nic: string;
  readonly emulator: string;
  readonly agentProtocol: number;
}

function nicIdentity(devices: EmulatorDevices): string {
  return devices.nic.type === "virtio" ? `virtio mtu=${devices.nic.mtu}` : "none";
}

export function goldenIdentity(
  image: Pick<ImageManifest, "imageId" | "rootVolumeSizeBytes">,
  rootSnapshotId: string | null,
  memoryMib: number,
  devices: EmulatorDevices,
): GoldenIdentity {
  return {
    imageId: image.imageId,
    rootSnapshotId,
    rootVolumeSizeBytes: image.rootVolumeSizeBytes,
    memoryMib,
    nic: nicIdentity(devices),
    emulator: EMULATOR_BUILD,
    agentProtocol: AGENT_PROTOCOL,
  };
}

/** The key a golden state is stored under: every field, in a fixed order. */
export function goldenKey(identity: GoldenIdentity): string {
  const { imageId, rootSnapshotId, rootVolumeSizeBytes, memoryMib, nic, emulator, agentProtocol } = identity;
  return [imageId, rootSnapshotId ?? "-", rootVolumeSizeBytes, `${memoryMib}MiB`, nic, emulator, `agent${agentProtocol}`].join("|");
}

/** Whether a stored state was made by a host that can no longer restore it (another emulator build or agent protocol). */
export function madeByAnotherHost(identity: Pick<GoldenIdentity, "emulator" | "agentProtocol">): boolean {
  return identity.emulator !== EMULATOR_BUILD || identity.agentProtocol !== AGENT_PROTOCOL;
}
