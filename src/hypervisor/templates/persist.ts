/**
 * Launch templates as they are kept in storage and read back after a reload: a versioned layout,
 * validated before anything of it is used (each version's data by the request schema itself), so
 * a damaged record is named and left out rather than trusted.
 */
import * as v from "valibot";
import type { StoredLaunchTemplate } from "../../persistence/database.ts";
import { Ec2Error } from "../../shared/errors.ts";
import { parseLaunchTemplateData } from "../requests/launchTemplates.ts";
import type { TemplateRecord } from "./model.ts";

/** The layout this version writes. */
const TEMPLATE_RECORD_VERSION = 1;

const StoredSchema = v.object({
  version: v.literal(TEMPLATE_RECORD_VERSION),
  launchTemplateId: v.string(),
  launchTemplateName: v.string(),
  createTime: v.string(),
  defaultVersionNumber: v.pipe(v.number(), v.integer(), v.minValue(1)),
  versions: v.pipe(
    v.array(
      v.object({
        versionNumber: v.pipe(v.number(), v.integer(), v.minValue(1)),
        versionDescription: v.string(),
        createTime: v.string(),
        data: v.unknown(),
      }),
    ),
    v.minLength(1),
  ),
});

export function toStored(record: TemplateRecord): StoredLaunchTemplate {
  return { version: TEMPLATE_RECORD_VERSION, ...record };
}

export type TemplateReadBack =
  { readonly ok: true; readonly record: TemplateRecord } | { readonly ok: false; readonly id: string; readonly reason: string };

export function fromStored(stored: StoredLaunchTemplate): TemplateReadBack {
  const id = String(stored.launchTemplateId);
  const result = v.safeParse(StoredSchema, stored);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join(".") ?? "";
    return { ok: false, id, reason: `its ${path || "layout"} is not as this version keeps it (${issue.message})` };
  }
  const { version: _layout, versions, ...template } = result.output;
  if (!versions.some((version) => version.versionNumber === template.defaultVersionNumber))
    return { ok: false, id, reason: `its default version ${template.defaultVersionNumber} is not among its versions` };
  try {
    return {
      ok: true,
      record: { ...template, versions: versions.map((version) => ({ ...version, data: parseLaunchTemplateData(version.data) })) },
    };
  } catch (error) {
    return { ok: false, id, reason: `a version's data is not valid (${error instanceof Ec2Error ? error.message : String(error)})` };
  }
}
