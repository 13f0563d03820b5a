/**
 * Which instance a check or an action is about. A check names an instance by its Name tag, or
 * means the lab's instance: the one the player recorded (StoredLabProgress.instanceId), else the
 * newest instance tagged tabcloud:lab=<lab id>, else the newest named the lab's instanceName.
 * Among several with the same tag, a live one is preferred to a terminated one.
 */
import type { DescribeInstancesRequest, RunInstancesRequest, Instance } from "../hypervisor/index.ts";
import type { Lab } from "./parse.ts";

/** The tag the player puts on the instance it launches for a lab. */
export const LAB_TAG_KEY = "tabcloud:lab";

export interface LabContext {
  /** The lab's instance when the player knows it (StoredLabProgress.instanceId). */
  readonly instanceId?: string | null;
}

export interface InstanceFinder {
  describeInstances(request?: DescribeInstancesRequest): Instance[];
}

/** The request that launches the lab's instance: its image and type, Name, lab tag, user data and metadata options. */
export function labLaunchRequest(
  lab: Lab,
  images: readonly { readonly imageId: string; readonly name: string }[] = [],
): RunInstancesRequest {
  const image = lab.image === "default" ? undefined : images.find((candidate) => candidate.name === lab.image);
  return {
    ...(image ? { imageId: image.imageId } : {}),
    instanceType: lab.instanceType,
    tags: [
      { key: "Name", value: lab.instanceName },
      { key: LAB_TAG_KEY, value: lab.id },
    ],
    ...(lab.hibernation ? { hibernationOptions: { configured: true } } : {}),
    ...(lab.userData !== null ? { userData: lab.userData } : {}),
    ...(lab.httpTokens === "required" ? { metadataOptions: { httpTokens: "required" } } : {}),
  };
}

export function findLabInstance(host: InstanceFinder, lab: Lab, context: LabContext = {}): Instance | undefined {
  if (context.instanceId) {
    try {
      const [recorded] = host.describeInstances({ instanceIds: [context.instanceId] });
      if (recorded) return recorded;
    } catch {
      // Gone (a terminated instance's listing expires): look for it by its tags.
    }
  }
  return (
    newest(host.describeInstances({ filters: [{ name: `tag:${LAB_TAG_KEY}`, values: [lab.id] }] })) ??
    findInstanceByName(host, lab.instanceName)
  );
}

function findInstanceByName(host: InstanceFinder, name: string): Instance | undefined {
  return newest(host.describeInstances({ filters: [{ name: "tag:Name", values: [name] }] }));
}

/** The instance a check or action means: the one with this Name tag, or the lab's own. */
export function targetInstance(
  host: InstanceFinder,
  lab: Lab,
  context: LabContext,
  name: string | undefined,
): { instance: Instance | undefined; who: string } {
  if (name !== undefined) return { instance: findInstanceByName(host, name), who: `the instance named ${name}` };
  return { instance: findLabInstance(host, lab, context), who: `the lab's instance (${lab.instanceName})` };
}

function newest(instances: readonly Instance[]): Instance | undefined {
  const live = instances.filter((instance) => instance.state.name !== "terminated");
  const pool = live.length > 0 ? live : instances;
  return [...pool].sort((a, b) => b.launchTime.localeCompare(a.launchTime))[0];
}
