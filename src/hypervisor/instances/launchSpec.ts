/**
 * Checks a RunInstances request against the catalog and the images, before anything is
 * created: every bad parameter becomes an Ec2Error with EC2's code and a message that says
 * which value is wrong. Pure apart from reading the given image list.
 */
import type { ImageManifest } from "../../images/manifest.ts";
import { Ec2Error } from "../../shared/errors.ts";
import type { CreditMode } from "../capacity/cpuCredits.ts";
import type { Tag } from "./instance.ts";
import { DEFAULT_INSTANCE_TYPE, findInstanceType, type InstanceType } from "./instanceTypes.ts";
import { DEFAULT_TERMINAL_SIZE, isTerminalSize, type TerminalSize } from "./kernelCommandLine.ts";

export interface RunInstancesRequest {
  /** Defaults to the first image of the catalog. */
  readonly imageId?: string;
  readonly instanceType?: string;
  /** How many to launch; default 1. */
  readonly count?: number;
  readonly tags?: readonly Tag[];
  /** The console's size at boot; later changes go through setTerminalSize. */
  readonly terminalSize?: TerminalSize;
  readonly disableApiTermination?: boolean;
  readonly instanceInitiatedShutdownBehavior?: "stop" | "terminate";
  /** EC2's CreditSpecification for burstable types; unlimited by default, as on EC2 for T3. */
  readonly creditSpecification?: { readonly cpuCredits: CreditMode };
  /** A script run once, as root, when the instance first boots (a #! line picks its interpreter). */
  readonly userData?: string;
  /** EC2's DryRun: check everything, launch nothing; succeeds by failing with DryRunOperation. */
  readonly dryRun?: boolean;
}

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
}

const MAX_TAGS = 50;
/** EC2's limit on user data. */
export const MAX_USER_DATA_BYTES = 16 * 1024;

const invalid = (message: string) => new Ec2Error("InvalidParameterValue", message);

export function launchSpec(request: RunInstancesRequest, images: readonly ImageManifest[]): LaunchSpec {
  const count = request.count ?? 1;
  if (!Number.isInteger(count) || count < 1) throw invalid(`Count must be a whole number of at least 1, not ${count}.`);
  const typeName = request.instanceType ?? DEFAULT_INSTANCE_TYPE;
  const type = findInstanceType(typeName);
  if (!type) throw invalid(`The instance type '${typeName}' does not exist. See describeInstanceTypes for the ones offered.`);
  const tags = request.tags ?? [];
  if (!Array.isArray(tags) || tags.length > MAX_TAGS) throw invalid(`An instance can have at most ${MAX_TAGS} tags.`);
  for (const tag of tags) {
    if (typeof tag.key !== "string" || tag.key.length === 0 || tag.key.length > 128 || tag.key.startsWith("aws:")) {
      throw invalid(`The tag key '${String(tag.key)}' is not valid: 1 to 128 characters, not starting with aws:.`);
    }
    if (typeof tag.value !== "string" || tag.value.length > 256)
      throw invalid(`The value of tag '${tag.key}' is longer than 256 characters.`);
  }
  const terminalSize = request.terminalSize ?? DEFAULT_TERMINAL_SIZE;
  if (!isTerminalSize(terminalSize)) throw invalid(`A terminal of ${terminalSize.rows}x${terminalSize.cols} is not possible.`);
  const image = request.imageId === undefined ? images[0] : images.find((candidate) => candidate.imageId === request.imageId);
  if (!image) throw new Ec2Error("InvalidAMIID.NotFound", `The image id '${request.imageId ?? "(default)"}' does not exist.`);
  if (type.memoryMib < image.minMemoryMib) {
    throw invalid(`The image ${image.name} needs at least ${image.minMemoryMib} MiB; ${type.name} has ${type.memoryMib} MiB.`);
  }
  if (
    request.userData !== undefined &&
    (typeof request.userData !== "string" || new TextEncoder().encode(request.userData).length > MAX_USER_DATA_BYTES)
  ) {
    throw invalid(`User data must be text of at most ${MAX_USER_DATA_BYTES / 1024} KiB, as on EC2.`);
  }
  const creditMode = request.creditSpecification?.cpuCredits ?? "unlimited";
  if (creditMode !== "standard" && creditMode !== "unlimited")
    throw invalid(`cpuCredits must be 'standard' or 'unlimited', not '${String(creditMode)}'.`);
  const behaviour = request.instanceInitiatedShutdownBehavior ?? "stop";
  if (behaviour !== "stop" && behaviour !== "terminate") {
    throw invalid(`instanceInitiatedShutdownBehavior must be 'stop' or 'terminate', not '${String(behaviour)}'.`);
  }
  if (request.disableApiTermination !== undefined && typeof request.disableApiTermination !== "boolean") {
    throw invalid("disableApiTermination must be true or false.");
  }
  return {
    count,
    image,
    type,
    tags: tags.map((tag) => ({ key: tag.key, value: tag.value })),
    terminalSize,
    creditMode,
    userData: request.userData ?? null,
    disableApiTermination: request.disableApiTermination ?? false,
    instanceInitiatedShutdownBehavior: behaviour,
  };
}
