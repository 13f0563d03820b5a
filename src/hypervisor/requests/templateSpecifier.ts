/**
 * How a request names a launch template and one of its versions: EC2's LaunchTemplateId or
 * LaunchTemplateName (one of them, never both) and a Version of "$Default", "$Latest" or a
 * version number written as text. Shared by the launch template actions and RunInstances'
 * LaunchTemplate parameter.
 */
import * as v from "valibot";
import { requestObject, resourceId } from "./common.ts";
import { checkWithCode, type RequestSchema } from "./parse.ts";

export const LaunchTemplateIdSchema = resourceId("lt", "InvalidLaunchTemplateId.Malformed", "a launch template id");

/** EC2's rule for a template's name: 3 to 128 of these characters. */
const TEMPLATE_NAME = /^[A-Za-z0-9().\-/_]{3,128}$/;

export const LaunchTemplateNameSchema = v.pipe(
  v.string("a launch template's name (text)"),
  checkWithCode(
    "InvalidLaunchTemplateName.MalformedException",
    (name: string) => TEMPLATE_NAME.test(name),
    "A launch template's name is 3 to 128 letters, digits or ( ) . - / _ (no spaces).",
  ),
);

/** "$Default", "$Latest" or a version number as text ("1", "2" …). */
export type TemplateVersion = string;

/** EC2 numbers a template's versions from 1; it keeps at most 10,000 of them. */
const MAX_TEMPLATE_VERSIONS = 10_000;

export const TemplateVersionSchema: RequestSchema<TemplateVersion> = v.pipe(
  v.string("a version: $Default, $Latest or a version number as text"),
  v.check(
    (version: string) =>
      version === "$Default" || version === "$Latest" || (/^[1-9]\d{0,4}$/.test(version) && Number(version) <= MAX_TEMPLATE_VERSIONS),
    "A version is $Default, $Latest or a version number (1, 2 …) written as text.",
  ),
);

/** A template named by its id or by its name. */
export interface TemplateName {
  readonly launchTemplateId?: string;
  readonly launchTemplateName?: string;
}

/** The schema, with EC2's rule that a request names its template by exactly one of id and name. */
export function namingOneTemplate<T extends TemplateName>(schema: RequestSchema<T>): RequestSchema<T> {
  return v.pipe(
    schema,
    checkWithCode(
      "MissingParameter",
      (request: T) => request.launchTemplateId !== undefined || request.launchTemplateName !== undefined,
      "Name the launch template: give its launchTemplateId or its launchTemplateName.",
    ),
    checkWithCode(
      "InvalidParameterCombination",
      (request: T) => request.launchTemplateId === undefined || request.launchTemplateName === undefined,
      "Give the launch template's launchTemplateId or its launchTemplateName, not both.",
    ),
  );
}

/** RunInstances' LaunchTemplate parameter: which template, and which version ($Default when not said). */
export interface LaunchTemplateSpecification extends TemplateName {
  readonly version?: TemplateVersion;
}

export const LaunchTemplateSpecificationSchema: RequestSchema<LaunchTemplateSpecification> = namingOneTemplate(
  requestObject<LaunchTemplateSpecification>(
    {
      launchTemplateId: v.optional(LaunchTemplateIdSchema),
      launchTemplateName: v.optional(LaunchTemplateNameSchema),
      version: v.optional(TemplateVersionSchema),
    },
    "a launch template ({ launchTemplateId or launchTemplateName, version })",
  ),
);
