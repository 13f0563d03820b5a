/**
 * The requests of EC2's launch template actions: CreateLaunchTemplate,
 * CreateLaunchTemplateVersion, DescribeLaunchTemplates, DescribeLaunchTemplateVersions,
 * ModifyLaunchTemplate and DeleteLaunchTemplate. A template's data takes RunInstances' own
 * field schemas, so a value a template accepts is one a launch accepts. Whether the template,
 * its versions, the image or the groups exist is for the action (or the launch) to say.
 */
import * as v from "valibot";
import type { CreditMode } from "../capacity/cpuCredits.ts";
import type { Tag } from "../instances/instance.ts";
import {
  describedIds,
  DescriptionSchema,
  FlagSchema,
  ImageIdSchema,
  InstanceTypeNameSchema,
  optionalRequest,
  requestObject,
  ShutdownBehaviorSchema,
  TagsSchema,
  type ShutdownBehavior,
} from "./common.ts";
import { RUN_INSTANCES_NETWORK_FIELDS, type MetadataOptionsRequest } from "./instanceNetwork.ts";
import { CreditSpecificationSchema, HibernationOptionsSchema, UserDataSchema } from "./instances.ts";
import { parse, type RequestSchema } from "./parse.ts";
import {
  LaunchTemplateIdSchema,
  LaunchTemplateNameSchema,
  namingOneTemplate,
  TemplateVersionSchema,
  type TemplateName,
  type TemplateVersion,
} from "./templateSpecifier.ts";

/** Tags a launch gives what it creates; instances are the one kind of resource tagged at launch here. */
interface TemplateTagSpecification {
  readonly resourceType: "instance";
  readonly tags: readonly Tag[];
}

/**
 * EC2's LaunchTemplateData, in RunInstances' shapes: what every launch from the version gets
 * unless the launch says otherwise. As in this project's RunInstances, the subnet and public
 * address sit beside the groups rather than in a NetworkInterfaces list. There is no KeyName:
 * instances here are reached through their console, and there are no key pairs.
 */
export interface LaunchTemplateData {
  readonly imageId?: string;
  readonly instanceType?: string;
  readonly subnetId?: string;
  readonly securityGroupIds?: readonly string[];
  readonly associatePublicIpAddress?: boolean;
  readonly userData?: string;
  readonly tagSpecifications?: readonly TemplateTagSpecification[];
  readonly instanceInitiatedShutdownBehavior?: ShutdownBehavior;
  readonly disableApiTermination?: boolean;
  readonly creditSpecification?: { readonly cpuCredits: CreditMode };
  readonly hibernationOptions?: { readonly configured: boolean };
  readonly metadataOptions?: MetadataOptionsRequest;
}

const TagSpecificationSchema = requestObject<TemplateTagSpecification>(
  {
    resourceType: v.pipe(
      v.string("'instance'"),
      v.picklist(["instance"], "Only instances are tagged at launch here: the resource type is 'instance'."),
    ),
    tags: TagsSchema,
  },
  "a tag specification ({ resourceType: 'instance', tags })",
);

const LaunchTemplateDataSchema = requestObject<LaunchTemplateData>(
  {
    imageId: v.optional(ImageIdSchema),
    instanceType: v.optional(InstanceTypeNameSchema),
    subnetId: RUN_INSTANCES_NETWORK_FIELDS.subnetId,
    securityGroupIds: RUN_INSTANCES_NETWORK_FIELDS.securityGroupIds,
    associatePublicIpAddress: RUN_INSTANCES_NETWORK_FIELDS.associatePublicIpAddress,
    userData: v.optional(UserDataSchema),
    tagSpecifications: v.optional(
      v.pipe(
        v.array(TagSpecificationSchema, "a list of tag specifications"),
        v.maxLength(1, "Give the instance's tags in one tag specification."),
      ),
    ),
    instanceInitiatedShutdownBehavior: v.optional(ShutdownBehaviorSchema),
    disableApiTermination: v.optional(FlagSchema),
    creditSpecification: v.optional(CreditSpecificationSchema),
    hibernationOptions: v.optional(HibernationOptionsSchema),
    metadataOptions: RUN_INSTANCES_NETWORK_FIELDS.metadataOptions,
  },
  "the launch template's data (an object of RunInstances' parameters)",
);

export interface CreateLaunchTemplateRequest {
  readonly launchTemplateName: string;
  /** The first version's description. */
  readonly versionDescription?: string;
  readonly launchTemplateData: LaunchTemplateData;
}

export interface CreateLaunchTemplateVersionRequest extends TemplateName {
  /** The version the new one starts from (EC2's SourceVersion): its data, with launchTemplateData's parameters replacing its own. */
  readonly sourceVersion?: TemplateVersion;
  readonly versionDescription?: string;
  readonly launchTemplateData: LaunchTemplateData;
}

export interface DescribeLaunchTemplatesRequest {
  readonly launchTemplateIds?: readonly string[];
  readonly launchTemplateNames?: readonly string[];
}

export interface DescribeLaunchTemplateVersionsRequest extends TemplateName {
  /** Which versions ($Default, $Latest, numbers); all of them when not given. */
  readonly versions?: readonly TemplateVersion[];
}

export interface ModifyLaunchTemplateRequest extends TemplateName {
  /** The version launches use when they name none (EC2's DefaultVersion). */
  readonly defaultVersion: TemplateVersion;
}

export type DeleteLaunchTemplateRequest = TemplateName;

const VersionDescriptionSchema = v.optional(DescriptionSchema);

const CreateLaunchTemplateSchema = requestObject<CreateLaunchTemplateRequest>({
  launchTemplateName: LaunchTemplateNameSchema,
  versionDescription: VersionDescriptionSchema,
  launchTemplateData: LaunchTemplateDataSchema,
});

export function parseCreateLaunchTemplate(request: unknown): CreateLaunchTemplateRequest {
  return parse(CreateLaunchTemplateSchema, request, "request");
}

const TEMPLATE_NAME_FIELDS = {
  launchTemplateId: v.optional(LaunchTemplateIdSchema),
  launchTemplateName: v.optional(LaunchTemplateNameSchema),
};

const CreateLaunchTemplateVersionSchema = namingOneTemplate(
  requestObject<CreateLaunchTemplateVersionRequest>({
    ...TEMPLATE_NAME_FIELDS,
    sourceVersion: v.optional(TemplateVersionSchema),
    versionDescription: VersionDescriptionSchema,
    launchTemplateData: LaunchTemplateDataSchema,
  }),
);

export function parseCreateLaunchTemplateVersion(request: unknown): CreateLaunchTemplateVersionRequest {
  return parse(CreateLaunchTemplateVersionSchema, request, "request");
}

const DescribeLaunchTemplatesSchema = requestObject<DescribeLaunchTemplatesRequest>({
  launchTemplateIds: v.optional(describedIds(LaunchTemplateIdSchema, "launch template id")),
  launchTemplateNames: v.optional(describedIds(LaunchTemplateNameSchema, "launch template name")),
});

export function parseDescribeLaunchTemplates(request: unknown): DescribeLaunchTemplatesRequest {
  return parse(optionalRequest(DescribeLaunchTemplatesSchema), request, "request");
}

const DescribeLaunchTemplateVersionsSchema = namingOneTemplate(
  requestObject<DescribeLaunchTemplateVersionsRequest>({
    ...TEMPLATE_NAME_FIELDS,
    versions: v.optional(
      v.pipe(v.array(TemplateVersionSchema, "a list of versions"), v.maxLength(200, "At most 200 versions in one request.")),
    ),
  }),
);

export function parseDescribeLaunchTemplateVersions(request: unknown): DescribeLaunchTemplateVersionsRequest {
  return parse(DescribeLaunchTemplateVersionsSchema, request, "request");
}

const ModifyLaunchTemplateSchema = namingOneTemplate(
  requestObject<ModifyLaunchTemplateRequest>({ ...TEMPLATE_NAME_FIELDS, defaultVersion: TemplateVersionSchema }),
);

export function parseModifyLaunchTemplate(request: unknown): ModifyLaunchTemplateRequest {
  return parse(ModifyLaunchTemplateSchema, request, "request");
}

const DeleteLaunchTemplateSchema: RequestSchema<DeleteLaunchTemplateRequest> = namingOneTemplate(
  requestObject<DeleteLaunchTemplateRequest>(TEMPLATE_NAME_FIELDS),
);

export function parseDeleteLaunchTemplate(request: unknown): DeleteLaunchTemplateRequest {
  return parse(DeleteLaunchTemplateSchema, request, "request");
}

/** A version's data as it was kept: checked by the same schema as a request's, so a damaged record is refused. */
export function parseLaunchTemplateData(data: unknown): LaunchTemplateData {
  return parse(LaunchTemplateDataSchema, data, "launchTemplateData");
}
