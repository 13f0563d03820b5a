/**
 * A template's versions by EC2's names: "$Default" (the one launches use when they name none),
 * "$Latest" (the newest) or a number; and a new version's data built on a source version's,
 * as CreateLaunchTemplateVersion's SourceVersion does. Pure.
 */
import { Ec2Error } from "../../shared/errors.ts";
import type { LaunchTemplateData } from "../requests/launchTemplates.ts";
import type { TemplateVersion } from "../requests/templateSpecifier.ts";
import { latestVersionNumber, type TemplateRecord, type VersionRecord } from "./model.ts";

/** The version the name stands for, or EC2's InvalidLaunchTemplateId.VersionNotFound. */
export function findVersion(record: TemplateRecord, version: TemplateVersion = "$Default"): VersionRecord {
  const number =
    version === "$Default" ? record.defaultVersionNumber : version === "$Latest" ? latestVersionNumber(record) : Number(version);
  const found = record.versions.find((candidate) => candidate.versionNumber === number);
  if (!found) {
    throw new Ec2Error(
      "InvalidLaunchTemplateId.VersionNotFound",
      `The launch template ${record.launchTemplateName} (${record.launchTemplateId}) has no version ${version}: its versions are 1 to ${latestVersionNumber(record)}.`,
    );
  }
  return found;
}

/**
 * A new version's data: the source's, with every parameter the request gives replacing the
 * source's one whole (a list of groups or tags is replaced, not added to), as on EC2.
 */
export function dataFromSource(source: LaunchTemplateData, given: LaunchTemplateData): LaunchTemplateData {
  return { ...source, ...definedOnly(given) };
}

/** The object without its keys whose value is undefined: a parameter set to undefined is one not given. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
