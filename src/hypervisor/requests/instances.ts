/**
 * The requests of EC2's instance actions: RunInstances, DescribeInstances, Start, Stop, Reboot,
 * TerminateInstances, ModifyInstanceAttribute, and the calls that read one instance (its
 * hibernation, metrics, bill and emulator statistics). Each parse function takes what the caller
 * passed and returns the typed request or throws an Ec2Error (see parse.ts).
 */
import * as v from "valibot";
import type { CreditMode } from "../capacity/cpuCredits.ts";
import type { Tag } from "../instances/instance.ts";
import type { TerminalSize } from "../instances/kernelCommandLine.ts";
import {
  actionIds,
  describedIds,
  FlagSchema,
  ImageIdSchema,
  InstanceIdSchema,
  InstanceTypeNameSchema,
  optionalRequest,
  requestObject,
  ShutdownBehaviorSchema,
  TagsSchema,
  TerminalSizeSchema,
  text,
  wholeNumber,
  type ShutdownBehavior,
} from "./common.ts";
import { checkWithCode, parse, type RequestSchema } from "./parse.ts";
import { GroupIdsSchema, RUN_INSTANCES_NETWORK_FIELDS, type RunInstancesNetworkRequest } from "./instanceNetwork.ts";
import { LaunchTemplateSpecificationSchema, type LaunchTemplateSpecification } from "./templateSpecifier.ts";

export interface RunInstancesRequest extends RunInstancesNetworkRequest {
  /** Defaults to the first image of the catalog. */
  readonly imageId?: string;
  readonly instanceType?: string;
  /** How many to launch; default 1. */
  readonly count?: number;
  readonly tags?: readonly Tag[];
  /** The console's size at boot; later changes go through setTerminalSize. */
  readonly terminalSize?: TerminalSize;
  readonly disableApiTermination?: boolean;
  readonly instanceInitiatedShutdownBehavior?: ShutdownBehavior;
  /** EC2's CreditSpecification for burstable types; unlimited by default, as on EC2 for T3. */
  readonly creditSpecification?: { readonly cpuCredits: CreditMode };
  /** A script run once, as root, when the instance first boots (a #! line picks its interpreter). */
  readonly userData?: string;
  /** EC2's HibernationOptions: only an instance launched with hibernation configured can hibernate; off by default. */
  readonly hibernationOptions?: { readonly configured: boolean };
  /** EC2's DryRun: check everything, launch nothing; succeeds by failing with DryRunOperation. */
  readonly dryRun?: boolean;
  /** Launch with a launch template's settings; the other parameters given here override the template's. */
  readonly launchTemplate?: LaunchTemplateSpecification;
}

export interface InstanceFilter {
  readonly name: string;
  readonly values: readonly string[];
}

export interface DescribeInstancesRequest {
  readonly instanceIds?: readonly string[];
  /** EC2's filters: instance-state-name, instance-type, instance-id, image-id, tag-key, tag:<key>. */
  readonly filters?: readonly InstanceFilter[];
}

export interface StopInstancesOptions {
  /** Cut the power without waiting for the guest (EC2's Force). */
  readonly force?: boolean;
  /** Save the instance's memory and resume from it at the next start. */
  readonly hibernate?: boolean;
}

export interface ModifyInstanceAttributeRequest {
  readonly instanceType?: string;
  readonly disableApiTermination?: boolean;
  readonly instanceInitiatedShutdownBehavior?: ShutdownBehavior;
  /** Replaces its security groups (EC2's Groups attribute), while it runs or not. */
  readonly groups?: readonly string[];
}

/** EC2's limit on user data. */
export const MAX_USER_DATA_BYTES = 16 * 1024;

const utf8 = new TextEncoder();

export const UserDataSchema = v.pipe(
  v.string(),
  v.check(
    // Every character is at least one byte, so a long text is refused before it is encoded.
    (userData: string) => userData.length <= MAX_USER_DATA_BYTES && utf8.encode(userData).byteLength <= MAX_USER_DATA_BYTES,
    `User data must be text of at most ${MAX_USER_DATA_BYTES / 1024} KiB, as on EC2.`,
  ),
);

export const CreditSpecificationSchema = requestObject<{ readonly cpuCredits: CreditMode }>({
  cpuCredits: v.pipe(v.string("'standard' or 'unlimited'"), v.picklist(["standard", "unlimited"], "'standard' or 'unlimited'")),
});

export const HibernationOptionsSchema = requestObject<{ readonly configured: boolean }>(
  { configured: FlagSchema },
  "{ configured: true or false }",
);

const RunInstancesSchema = requestObject<RunInstancesRequest>({
  imageId: v.optional(ImageIdSchema),
  instanceType: v.optional(InstanceTypeNameSchema),
  // How many may run at once is the instance limit's question (InstanceLimitExceeded).
  count: v.optional(wholeNumber(1, Number.MAX_SAFE_INTEGER, "Count must be a whole number of at least 1.")),
  tags: v.optional(TagsSchema),
  terminalSize: v.optional(TerminalSizeSchema),
  disableApiTermination: v.optional(FlagSchema),
  instanceInitiatedShutdownBehavior: v.optional(ShutdownBehaviorSchema),
  creditSpecification: v.optional(CreditSpecificationSchema),
  userData: v.optional(UserDataSchema),
  hibernationOptions: v.optional(HibernationOptionsSchema),
  dryRun: v.optional(FlagSchema),
  launchTemplate: v.optional(LaunchTemplateSpecificationSchema),
  ...RUN_INSTANCES_NETWORK_FIELDS,
});

/** A launch request with EC2's shapes and limits; `runInstances()` and `runInstances({})` launch the default. */
export function parseRunInstances(request: unknown): RunInstancesRequest {
  return parse(optionalRequest(RunInstancesSchema), request, "request");
}

/** EC2 takes at most 50 filters of at most 200 values each. */
const MAX_FILTERS = 50;
const MAX_FILTER_VALUES = 200;
const FILTER_NAME = /^(instance-state-name|instance-type|instance-id|image-id|tag-key|tag:.{1,128})$/;

const FilterSchema = requestObject<InstanceFilter>(
  {
    name: v.pipe(
      v.string(),
      v.regex(FILTER_NAME, "Filter by instance-state-name, instance-type, instance-id, image-id, tag-key or tag:<key>."),
    ),
    values: v.pipe(
      v.array(text(256, "A filter value is at most 256 characters."), "a list of values (text)"),
      v.maxLength(MAX_FILTER_VALUES, `A filter has at most ${MAX_FILTER_VALUES} values.`),
    ),
  },
  "a filter ({ name, values })",
);

const DescribeInstancesSchema = requestObject<DescribeInstancesRequest>({
  instanceIds: v.optional(describedIds(InstanceIdSchema, "instance id")),
  filters: v.optional(
    v.pipe(
      v.array(FilterSchema, "a list of filters ({ name, values })"),
      v.maxLength(MAX_FILTERS, `At most ${MAX_FILTERS} filters in one request.`),
    ),
  ),
});

export function parseDescribeInstances(request: unknown): DescribeInstancesRequest {
  return parse(optionalRequest(DescribeInstancesSchema), request, "request");
}

const InstanceIdsSchema = actionIds(InstanceIdSchema, "instance id");

/** The instances an action acts on: at least one, each once. */
function parseInstanceIds(instanceIds: unknown): readonly string[] {
  return parse(InstanceIdsSchema, instanceIds, "instanceIds");
}

export const parseStartInstances = parseInstanceIds;
export const parseRebootInstances = parseInstanceIds;
export const parseTerminateInstances = parseInstanceIds;

const StopInstancesOptionsSchema: RequestSchema<StopInstancesOptions> = v.pipe(
  requestObject<StopInstancesOptions>({
    force: v.optional(FlagSchema),
    hibernate: v.optional(FlagSchema),
  }),
  checkWithCode(
    "InvalidParameterCombination",
    (options: StopInstancesOptions) => !(options.force === true && options.hibernate === true),
    "Force and hibernate cannot both be true: a force stop does not wait for the instance's memory to be saved.",
  ),
);

export function parseStopInstances(
  instanceIds: unknown,
  options: unknown,
): { readonly instanceIds: readonly string[]; readonly options: StopInstancesOptions } {
  return {
    instanceIds: parseInstanceIds(instanceIds),
    options: parse(optionalRequest(StopInstancesOptionsSchema), options, "options"),
  };
}

const MODIFIABLE_ATTRIBUTES = "instanceType, disableApiTermination, instanceInitiatedShutdownBehavior or groups";

/** The same field schemas as RunInstances: an attribute is checked the same way at launch and later. */
const ModifyInstanceAttributeSchema: RequestSchema<ModifyInstanceAttributeRequest> = v.pipe(
  requestObject<ModifyInstanceAttributeRequest>({
    instanceType: v.optional(InstanceTypeNameSchema),
    disableApiTermination: v.optional(FlagSchema),
    instanceInitiatedShutdownBehavior: v.optional(ShutdownBehaviorSchema),
    groups: v.optional(v.pipe(GroupIdsSchema, v.minLength(1, "An instance keeps at least one security group."))),
  }),
  checkWithCode(
    "MissingParameter",
    (request: ModifyInstanceAttributeRequest) => Object.values(request).some((value) => value !== undefined),
    `Say which attribute to change: ${MODIFIABLE_ATTRIBUTES}.`,
  ),
);

export function parseModifyInstanceAttribute(
  instanceId: unknown,
  request: unknown,
): { readonly instanceId: string; readonly request: ModifyInstanceAttributeRequest } {
  return {
    instanceId: parseInstanceId(instanceId),
    request: parse(optionalRequest(ModifyInstanceAttributeSchema), request, "request"),
  };
}

/** One instance's id, for the calls that take nothing else. */
export function parseInstanceId(instanceId: unknown): string {
  return parse(InstanceIdSchema, instanceId, "instanceId");
}

export const parseDescribeHibernation = parseInstanceId;
export const parseGetMetricData = parseInstanceId;
export const parseGetInstanceBill = parseInstanceId;
export const parseGetInstanceStats = parseInstanceId;
