/**
 * Turns a RunInstances request into what to launch, before anything is created. The request's
 * shapes and limits (count, tags, terminal size, user data, credit mode, shutdown behaviour,
 * flags) are the RunInstances schema's in requests/instances.ts; this step adds what needs the
 * catalog: the instance type exists, the image exists, and the type has the memory the image
 * needs. Pure apart from reading the given image list.
 */
import type { ImageManifest } from "../../images/manifest.ts";
import { Ec2Error } from "../../shared/errors.ts";
import type { CreditMode } from "../capacity/cpuCredits.ts";
import { parseRunInstances } from "../requests/instances.ts";
import type { MetadataOptions } from "../../net/topology.ts";
import { DEFAULT_METADATA_OPTIONS, type Tag } from "./instance.ts";
import { DEFAULT_INSTANCE_TYPE, findInstanceType, type InstanceType } from "./instanceTypes.ts";
import { DEFAULT_TERMINAL_SIZE, type TerminalSize } from "./kernelCommandLine.ts";

export { MAX_USER_DATA_BYTES, type RunInstancesRequest } from "../requests/instances.ts";

export interface LaunchSpec {
  readonly count: number;
  readonly image: ImageManifest;
  readonly type: InstanceType;
  readonly tags: readonly Tag[];
  readonly terminalSize: TerminalSize;
  readonly creditMode: CreditMode;
  readonly userData: string | null;
  readonly disableApiTermination: boolean;
  readonly instanceInitiatedShutdownBehavior: "stop" | "terminate";
  /** EC2's HibernationOptions.Configured: whether the instance may hibernate. */
  readonly hibernationConfigured: boolean;
  /** Check everything, launch nothing (EC2's DryRun). */
  readonly dryRun: boolean;
  readonly network: LaunchNetwork;
}

/** Where the instance's interface goes; the network module checks and fills in the defaults. */
export interface LaunchNetwork {
  readonly subnetId: string | null;
  readonly securityGroupIds: readonly string[];
  readonly privateIpAddress: string | null;
  readonly associatePublicIpAddress: boolean | null;
  readonly metadataOptions: MetadataOptions;
}

/**
 * The launch spec, or an Ec2Error. The request is run through the RunInstances schema here
 * (again, when the caller already has): this is the one way into a launch, so nothing reaches the
 * catalog unchecked.
 */
export function launchSpec(request: unknown, images: readonly ImageManifest[]): LaunchSpec {
  const valid = parseRunInstances(request);
  const typeName = valid.instanceType ?? DEFAULT_INSTANCE_TYPE;
  const type = findInstanceType(typeName);
  if (!type) {
    throw new Ec2Error(
      "InvalidParameterValue",
      `The instance type '${typeName}' does not exist. See describeInstanceTypes for the ones offered.`,
    );
  }
  const image = valid.imageId === undefined ? images[0] : images.find((candidate) => candidate.imageId === valid.imageId);
  if (!image) throw new Ec2Error("InvalidAMIID.NotFound", `The image id '${valid.imageId ?? "(default)"}' does not exist.`);
  if (type.memoryMib < image.minMemoryMib) {
    throw new Ec2Error(
      "InvalidParameterValue",
      `The image ${image.name} needs at least ${image.minMemoryMib} MiB; ${type.name} has ${type.memoryMib} MiB.`,
    );
  }
  if (valid.privateIpAddress !== undefined && (valid.count ?? 1) > 1) {
    throw new Ec2Error(
      "InvalidParameterCombination",
      "A private IP address can be given only when launching one instance: two instances cannot share an address.",
    );
  }
  const hibernationConfigured = valid.hibernationOptions?.configured ?? false;
  if (hibernationConfigured && image.rootDeviceType === "instance-store") {
    throw new Ec2Error(
      "UnsupportedHibernationConfiguration",
      `The image ${image.name} has an instance-store root: hibernation needs an EBS root volume to keep the instance's disk.`,
    );
  }
  return {
    count: valid.count ?? 1,
    image,
    type,
    tags: valid.tags ?? [],
    terminalSize: valid.terminalSize ?? DEFAULT_TERMINAL_SIZE,
    creditMode: valid.creditSpecification?.cpuCredits ?? "unlimited",
    userData: valid.userData ?? null,
    disableApiTermination: valid.disableApiTermination ?? false,
    instanceInitiatedShutdownBehavior: valid.instanceInitiatedShutdownBehavior ?? "stop",
    hibernationConfigured,
    dryRun: valid.dryRun ?? false,
    network: {
      subnetId: valid.subnetId ?? null,
      securityGroupIds: valid.securityGroupIds ?? [],
      privateIpAddress: valid.privateIpAddress ?? null,
      associatePublicIpAddress: valid.associatePublicIpAddress ?? null,
      metadataOptions: { ...DEFAULT_METADATA_OPTIONS, ...valid.metadataOptions },
    },
  };
}
