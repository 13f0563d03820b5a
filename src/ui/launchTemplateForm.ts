/**
 * The console's launch template form, and what it sends: the fields a person filled in become the
 * template's data, an empty one is left out of the template (EC2's "Don't include in launch
 * template"), so a launch from it takes the default or what the launch says. Also the form an
 * instance fills in (Create template from instance). Pure, so it is tested without a page.
 */
import type { Instance, LaunchTemplateData, Tag } from "../hypervisor/index.ts";

export interface TemplateForm {
  readonly imageId: string;
  readonly instanceType: string;
  readonly subnetId: string;
  readonly securityGroupIds: readonly string[];
  /** The instances' Name tag. */
  readonly name: string;
  readonly userData: string;
  readonly shutdownBehavior: "" | "stop" | "terminate";
}

export const EMPTY_TEMPLATE_FORM: TemplateForm = {
  imageId: "",
  instanceType: "",
  subnetId: "",
  securityGroupIds: [],
  name: "",
  userData: "",
  shutdownBehavior: "",
};

export function templateData(form: TemplateForm): LaunchTemplateData {
  const name = form.name.trim();
  return {
    ...(form.imageId ? { imageId: form.imageId } : {}),
    ...(form.instanceType ? { instanceType: form.instanceType } : {}),
    ...(form.subnetId ? { subnetId: form.subnetId } : {}),
    ...(form.securityGroupIds.length > 0 ? { securityGroupIds: form.securityGroupIds } : {}),
    ...(name ? { tagSpecifications: [{ resourceType: "instance", tags: [{ key: "Name", value: name }] }] } : {}),
    ...(form.userData.trim() ? { userData: form.userData } : {}),
    ...(form.shutdownBehavior ? { instanceInitiatedShutdownBehavior: form.shutdownBehavior } : {}),
  };
}

/** The settings the form shows; a version's others (metadata options, credits, hibernation …) pass through it unseen. */
const FORM_FIELDS: readonly string[] = [
  "imageId",
  "instanceType",
  "subnetId",
  "securityGroupIds",
  "tagSpecifications",
  "userData",
  "instanceInitiatedShutdownBehavior",
];

/**
 * A new version's data: the form's settings, and the source version's settings the form does not
 * show (kept, as EC2 keeps a source version's parameters), its instance tags other than Name among them.
 */
export function versionData(source: LaunchTemplateData, form: TemplateForm): LaunchTemplateData {
  const unseen = Object.fromEntries(Object.entries(source).filter(([key]) => !FORM_FIELDS.includes(key))) as LaunchTemplateData;
  const data = templateData(form);
  const tags = [...instanceTags(source).filter((tag) => tag.key !== "Name"), ...instanceTags(data)];
  return { ...unseen, ...data, ...(tags.length > 0 ? { tagSpecifications: [{ resourceType: "instance", tags }] } : {}) };
}

/** The form as a version's data fills it in (a new version starts from its source's settings). */
export function formOf(data: LaunchTemplateData): TemplateForm {
  return {
    imageId: data.imageId ?? "",
    instanceType: data.instanceType ?? "",
    subnetId: data.subnetId ?? "",
    securityGroupIds: data.securityGroupIds ?? [],
    name: instanceTags(data).find((tag) => tag.key === "Name")?.value ?? "",
    userData: data.userData ?? "",
    shutdownBehavior: data.instanceInitiatedShutdownBehavior ?? "",
  };
}

/**
 * An instance's settings as a template's data (EC2's Create template from instance): its image,
 * type, subnet, groups, tags (not AWS's own aws: tags) and the attributes it was launched with.
 * Its user data is not described by the hypervisor, so it is not copied.
 */
export function dataFromInstance(instance: Instance): LaunchTemplateData {
  const tags: readonly Tag[] = instance.tags.filter((tag) => !tag.key.toLowerCase().startsWith("aws:"));
  return {
    imageId: instance.imageId,
    instanceType: instance.instanceType,
    ...(instance.subnetId ? { subnetId: instance.subnetId } : {}),
    ...(instance.securityGroups.length > 0 ? { securityGroupIds: instance.securityGroups.map((group) => group.groupId) } : {}),
    ...(tags.length > 0 ? { tagSpecifications: [{ resourceType: "instance", tags }] } : {}),
    instanceInitiatedShutdownBehavior: instance.instanceInitiatedShutdownBehavior,
    disableApiTermination: instance.disableApiTermination,
    ...(instance.cpuCredits ? { creditSpecification: { cpuCredits: instance.cpuCredits } } : {}),
    hibernationOptions: instance.hibernationOptions,
    metadataOptions: instance.metadataOptions,
  };
}

export function instanceTags(data: LaunchTemplateData): readonly { readonly key: string; readonly value: string }[] {
  return data.tagSpecifications?.find((specification) => specification.resourceType === "instance")?.tags ?? [];
}
