/**
 * RunInstances with a LaunchTemplate: the template version's data under the request's own
 * parameters. A parameter the request gives replaces the template's; tags are merged, the
 * request's value winning for a key both give, as EC2 merges a template's instance tags with
 * the request's. Pure: the launch then checks the result like any other request (the image
 * still registered, the type in the catalog, the groups in the subnet's VPC).
 */
import type { Tag } from "../instances/instance.ts";
import type { RunInstancesRequest } from "../requests/instances.ts";
import type { LaunchTemplateData } from "../requests/launchTemplates.ts";
import { definedOnly } from "./versions.ts";

export function launchRequestFrom(data: LaunchTemplateData, request: RunInstancesRequest): RunInstancesRequest {
  const { launchTemplate: _template, tags: givenTags, ...given } = request;
  const { tagSpecifications, ...settings } = data;
  const templateTags = tagSpecifications?.find((specification) => specification.resourceType === "instance")?.tags ?? [];
  const tags = mergeTags(templateTags, givenTags ?? []);
  return { ...settings, ...definedOnly(given), ...(tags.length > 0 ? { tags } : {}) };
}

function mergeTags(fromTemplate: readonly Tag[], given: readonly Tag[]): Tag[] {
  const givenKeys = new Set(given.map((tag) => tag.key));
  return [...fromTemplate.filter((tag) => !givenKeys.has(tag.key)), ...given];
}
