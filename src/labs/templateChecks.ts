/**
 * The launch template check: a template by name exists, with enough versions, the default
 * version said, the instance type its default version launches, and the live instances launched
 * from it (by the tags EC2 puts on them) alike in image and type. It asks the hypervisor, never
 * a guest.
 */
import { TEMPLATE_ID_TAG, type Hypervisor } from "../hypervisor/index.ts";
import type { LaunchTemplateCheck } from "./schema.ts";

/** What the template check reads from the hypervisor. */
export type TemplateLabHost = Pick<Hypervisor, "describeLaunchTemplates" | "describeLaunchTemplateVersions" | "describeInstances">;

type Verdict<R> = (passed: boolean, message: string) => R;

export function judgeLaunchTemplate<R>(host: TemplateLabHost, check: LaunchTemplateCheck, result: Verdict<R>): R {
  const template = host.describeLaunchTemplates().find((candidate) => candidate.launchTemplateName === check.name);
  if (!template) return result(false, `There is no launch template named ${check.name} yet (Launch templates, Create launch template).`);
  const found: string[] = [`${check.name} (${template.launchTemplateId}) has ${template.latestVersionNumber} version(s)`];
  if (check.minVersions !== undefined && template.latestVersionNumber < check.minVersions)
    return result(false, `${found.join(", ")}; it needs at least ${check.minVersions}: create a new version (Actions, Modify template).`);
  if (check.defaultVersion !== undefined && template.defaultVersionNumber !== check.defaultVersion)
    return result(false, `${found.join(", ")}; its default is version ${template.defaultVersionNumber}, not ${check.defaultVersion}.`);
  found.push(`default version ${template.defaultVersionNumber}`);
  if (check.instanceType !== undefined) {
    const [defaultVersion] = host.describeLaunchTemplateVersions({ launchTemplateId: template.launchTemplateId, versions: ["$Default"] });
    const type = defaultVersion?.launchTemplateData.instanceType;
    if (type !== check.instanceType)
      return result(false, `${found.join(", ")}, which launches ${type ?? "the default type"}, not ${check.instanceType}.`);
    found.push(`launching ${type}`);
  }
  if (check.launchedInstances !== undefined) {
    const launched = host
      .describeInstances({ filters: [{ name: `tag:${TEMPLATE_ID_TAG}`, values: [template.launchTemplateId] }] })
      .filter((instance) => instance.state.name === "pending" || instance.state.name === "running");
    if (launched.length < check.launchedInstances) {
      return result(
        false,
        `${found.join(", ")}; ${launched.length} running instance(s) were launched from it, not ${check.launchedInstances}: launch from it with Number of instances ${check.launchedInstances}.`,
      );
    }
    const kinds = new Set(launched.map((instance) => `${instance.imageId} ${instance.instanceType}`));
    if (kinds.size > 1) return result(false, `${found.join(", ")}; the instances launched from it differ in image or type.`);
    found.push(`${launched.length} identical instance(s) launched from it`);
  }
  return result(true, `${found.join(", ")}.`);
}

export function describeLaunchTemplateCheck(check: LaunchTemplateCheck): string {
  const parts = [
    check.minVersions !== undefined ? `has at least ${check.minVersions} versions` : "",
    check.defaultVersion !== undefined ? `has version ${check.defaultVersion} as its default` : "",
    check.instanceType !== undefined ? `launches ${check.instanceType} by default` : "",
    check.launchedInstances !== undefined ? `has launched ${check.launchedInstances} identical running instances` : "",
  ].filter(Boolean);
  return `The launch template ${check.name} ${parts.length > 0 ? parts.join(", ") : "exists"}`;
}
