/**
 * Whether the console offers a volume's actions, and why not, in the order the hypervisor checks
 * them. What the instance's state allows comes from the lifecycle table (the same answer
 * attachVolume and detachVolume give, with the same words); only what is about the volumes
 * themselves (attached already, the instance's second disk taken, a root volume) is here.
 */
import { ROOT_DEVICE, unavailableBecause, type Instance, type Volume } from "../hypervisor/index.ts";

/** Why the volume cannot be attached to any instance now, or null when it can. */
export function attachUnavailableBecause(volume: Volume): string | null {
  const attachment = volume.attachments[0];
  return attachment ? `It is attached to ${attachment.instanceId}: detach it first.` : null;
}

/** Why a volume cannot be attached to this instance now, or null when it can. */
export function attachTargetUnavailableBecause(instance: Instance, volumes: readonly Volume[]): string | null {
  const refused = unavailableBecause("attachVolume", instance);
  if (refused) return refused;
  const taken = volumes.some((volume) =>
    volume.attachments.some((attachment) => attachment.instanceId === instance.instanceId && attachment.device !== ROOT_DEVICE),
  );
  return taken ? "It already has a volume at /dev/sdb: detach that one first." : null;
}

/** The instances a volume might be attached to, each with why it cannot be now (null when it can). */
export function attachTargets(
  instances: readonly Instance[],
  volumes: readonly Volume[],
): { readonly instance: Instance; readonly why: string | null }[] {
  // A terminated instance stays listed for a while, but is no one's target any more.
  return instances
    .filter((instance) => instance.state.name !== "terminated")
    .map((instance) => ({ instance, why: attachTargetUnavailableBecause(instance, volumes) }));
}

/** Why the volume cannot be detached now, or null when it can. `instance` is the one it is attached to, if still listed. */
export function detachUnavailableBecause(volume: Volume, instance: Instance | undefined): string | null {
  const attachment = volume.attachments[0];
  if (!attachment) return "The volume is not attached to anything.";
  if (attachment.device === ROOT_DEVICE) return `It is the root volume of ${attachment.instanceId}: it stays with the instance.`;
  // An instance no longer listed has let go of its volumes.
  return instance ? unavailableBecause("detachVolume", instance) : null;
}

/** Why the volume cannot be deleted now, or null when it can. */
export function deleteUnavailableBecause(volume: Volume): string | null {
  const attachment = volume.attachments[0];
  if (!attachment) return null;
  if (attachment.device === ROOT_DEVICE)
    return `It is the root volume of ${attachment.instanceId}: it is deleted when the instance is terminated.`;
  return `It is attached to ${attachment.instanceId}: detach it first.`;
}
