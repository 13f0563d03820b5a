/**
 * EC2's RunInstances: checks the request against the catalog, the instance limit and the host's
 * memory, then creates each instance (and its root volume) pending and boots it in the
 * background. Nothing is created when any check fails.
 */
import type { ImageDescription } from "../../images/imageRepository.ts";
import { Ec2Error } from "../../shared/errors.ts";
import type { HostCapacityLedger } from "../capacity/hostCapacity.ts";
import { CreditAccount } from "../capacity/cpuCredits.ts";
import { ROOT_DEVICE, type VolumeRegistry } from "../ebs/volumes.ts";
import { InstanceMeter } from "../metering/meter.ts";
import type { InstanceBuilder } from "./builder.ts";
import type { NetworkInterface } from "../vpc/describe.ts";
import { instanceState, type Instance, type Tag } from "./instance.ts";
import { networkingOf, type InstanceNetwork } from "./network.ts";
import { launchSpec, type LaunchSpec } from "./launchSpec.ts";
import { newRuntime, type InstanceRecord } from "./record.ts";
import type { InstanceRegistry } from "./registry.ts";

export interface LaunchContext {
  readonly registry: InstanceRegistry;
  readonly builder: InstanceBuilder;
  readonly capacity: HostCapacityLedger;
  readonly volumes: VolumeRegistry;
  describeImages(): Promise<ImageDescription[]>;
  readonly network: InstanceNetwork;
}

/**
 * `systemTags`: tags AWS itself puts on what it launches (aws:ec2launchtemplate:id and :version
 * for a launch from a template), which a request may not give.
 */
export async function runInstances(ctx: LaunchContext, request: unknown, systemTags: readonly Tag[] = []): Promise<Instance[]> {
  const images = await ctx.describeImages();
  const requested = launchSpec(request, images);
  const spec = systemTags.length > 0 ? { ...requested, tags: [...requested.tags, ...systemTags] } : requested;
  const live = ctx.registry.liveCount();
  const quota = ctx.capacity.instanceQuota;
  if (live + spec.count > quota) {
    throw new Ec2Error(
      "InstanceLimitExceeded",
      `You have ${live} instances and asked for ${spec.count} more; the instance quota is ${quota}. Terminate one first, or raise the quota on the Dashboard.`,
    );
  }
  ctx.capacity.admitLaunch(spec.type.memoryMib, spec.count, spec.type.name);
  if (spec.dryRun) throw new Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.");

  const launchTime = new Date().toISOString();
  const rootSnapshotId = images.find((candidate) => candidate.imageId === spec.image.imageId)?.rootSnapshotId ?? null;
  const instanceIds = Array.from({ length: spec.count }, () => ctx.registry.freshId());
  // Every interface first: a subnet, group or address that does not fit refuses the whole launch.
  const interfaces = await ctx.network.createInterfaces(spec.network, instanceIds);
  const launched: Instance[] = [];
  for (const [i, instanceId] of instanceIds.entries()) {
    const eni = interfaces[i];
    if (!eni) break;
    let record: InstanceRecord;
    try {
      record = await newInstance(ctx, spec, { instanceId, launchTime, rootSnapshotId, eni });
    } catch (error) {
      await ctx.network.discard(interfaces.slice(i));
      throw error;
    }
    ctx.registry.add(record);
    ctx.registry.update(record, {});
    launched.push(record.instance);
    void ctx.builder.boot(record, record.runtime.generation);
  }
  return launched;
}

interface NewInstance {
  readonly instanceId: string;
  readonly launchTime: string;
  readonly rootSnapshotId: string | null;
  readonly eni: NetworkInterface;
}

async function newInstance(
  ctx: LaunchContext,
  spec: LaunchSpec,
  { instanceId, launchTime, rootSnapshotId, eni }: NewInstance,
): Promise<InstanceRecord> {
  const { image, type } = spec;
  // The root volume: the image's disk (and, for an image made here, its snapshot's blocks), deleted on termination.
  const rootVolume =
    image.rootDeviceType === "ebs"
      ? await ctx.volumes.create({
          sizeBytes: image.rootVolumeSizeBytes,
          base: { kind: "blob", sha256: image.files.rootVolume.sha256 },
          ...(rootSnapshotId ? { snapshotId: rootSnapshotId } : {}),
          attachment: { instanceId, device: ROOT_DEVICE, deleteOnTermination: true },
        })
      : null;
  const instance: Instance = {
    instanceId,
    imageId: image.imageId,
    instanceType: type.name,
    memoryMib: type.memoryMib,
    state: instanceState("pending"),
    stateTransitionReason: "",
    stateReason: null,
    launchTime,
    tags: spec.tags,
    statusChecks: { system: "initializing", instance: "initializing" },
    rootDeviceType: image.rootDeviceType,
    rootDeviceName: "/dev/sda",
    disableApiTermination: spec.disableApiTermination,
    instanceInitiatedShutdownBehavior: spec.instanceInitiatedShutdownBehavior,
    cpuCredits: type.burstable ? spec.creditMode : null,
    hibernationOptions: { configured: spec.hibernationConfigured },
    hibernated: false,
    launchProgress: null,
    ...networkingOf(eni, spec.network.metadataOptions),
  };
  return {
    instance,
    config: {
      image,
      rootVolumeId: rootVolume?.volumeId ?? null,
      userData: spec.userData,
      launchUserData: spec.userData,
      networkInterfaceId: eni.networkInterfaceId,
      associatePublicIpAddress: eni.association !== undefined,
      hasRun: false,
      terminalSize: spec.terminalSize,
      meter: new InstanceMeter(rootVolume ? image.rootVolumeSizeBytes : 0, Date.now()),
      credits: type.burstable ? new CreditAccount(type.burstable, spec.creditMode) : null,
    },
    runtime: newRuntime(),
  };
}
